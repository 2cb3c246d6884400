// The command room's live board: loads the snapshot (GET /api/v1/board), then follows the
// feed (server-sent events from /api/v1/board/events). Each matter is kept by its code with
// the id of the newest news applied, so a replayed or older event never undoes a newer one.
// Data goes into the page as text, never as HTML.
(() => {
  const root = document.getElementById('board');
  if (!root) return;
  const T = JSON.parse(root.dataset.labels);
  // The view (a combat zone or a community), passed to the snapshot and the feed alike.
  const view = root.dataset.unit ? `unit=${encodeURIComponent(root.dataset.unit)}` : '';
  const live = document.getElementById('board-live');
  const matters = new Map();
  const instructions = new Map();
  // Cameras by device ID: every key camera (coverage) and every one not online (alarms).
  const cameras = new Map();
  let alerts = [];
  const recent = [];
  let beyond = 0; // open matters the snapshot did not list (it stops at 2,000)
  let last = 0;
  let source = null;
  let pending = false;

  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  const label = (group, code) => (code && T[group] && T[group][code]) || code || '';
  const day = (ms) => (ms ? new Date(ms + 8 * 3600e3).toISOString().slice(0, 10) : '');
  const clock = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(11, 16);
  const overdue = (m) => m.resolve_due_at && m.resolve_due_at < Date.now();
  const urgency = (m) => (m.risk === 'red' ? 0 : overdue(m) ? 1 : m.risk === 'orange' ? 2 : 3);

  // An instruction's supervision colour now, as fengqiao_domain::instruction::colour says:
  // blue in the last quarter of a step's window (10 minutes to 2 hours), orange once the
  // step's deadline has passed, red once the report deadline has.
  const MIN = 60e3;
  const insDue = (i) => (i.status === 'sent' || i.status === 'delivered' ? i.ack_due_at : i.status === 'acknowledged' ? i.report_due_at : null);
  function insColour(i, now) {
    const due = insDue(i);
    if (due == null) return 'none';
    if (now > i.report_due_at) return 'red';
    if (now > due) return 'orange';
    const from = i.status === 'acknowledged' ? i.ack_due_at : i.issued_at;
    const warn = Math.min(Math.max(Math.trunc((due - from) / 4), 10 * MIN), 120 * MIN);
    return now >= due - warn ? 'blue' : 'none';
  }
  const insRank = { red: 0, orange: 1, blue: 2, none: 3 };
  const unacknowledged = (i, now) => (i.status === 'sent' || i.status === 'delivered') && now > i.ack_due_at;

  function render() {
    pending = false;
    const list = [...matters.values()].sort((a, b) => urgency(a) - urgency(b) || b.created_at - a.created_at);
    const count = (f) => list.filter(f).length;
    const set = (id, n) => { document.getElementById(id).textContent = String(n); };
    set('c-open', list.length + beyond);
    for (const t of ['grid', 'community', 'street']) set(`c-${t}`, count((m) => m.tier === t));
    set('c-red', count((m) => m.risk === 'red'));
    set('c-overdue', count(overdue));
    set('c-alerts', alerts.length);
    const now = Date.now();
    const ins = [...instructions.values()].map((i) => ({ ...i, colour: insColour(i, now) }))
      .sort((a, b) => insRank[a.colour] - insRank[b.colour] || (insDue(a) ?? Infinity) - (insDue(b) ?? Infinity));
    set('c-ins', ins.length);
    set('c-ins-unack', ins.filter((i) => unacknowledged(i, now)).length);
    set('c-ins-red', ins.filter((i) => i.colour === 'red').length);
    // Cameras: coverage of key cameras online (looked at before their next look fell due),
    // cameras offline and at fault, and the overdue key cameras, most overdue first.
    const cams = [...cameras.values()];
    const keyOnline = cams.filter((c) => c.tier === 'key' && c.status === 'online');
    const late = keyOnline.filter((c) => c.due_at < now).sort((a, b) => a.due_at - b.due_at);
    const camTile = (id, v) => { const e = document.getElementById(id); if (e) e.textContent = String(v); };
    camTile('c-cam-cover', keyOnline.length ? `${Math.floor(((keyOnline.length - late.length) * 100) / keyOnline.length)}%` : '100%');
    camTile('c-cam-offline', cams.filter((c) => c.status === 'offline').length);
    camTile('c-cam-fault', cams.filter((c) => c.status === 'fault').length);
    document.getElementById('board-cam-rows').replaceChildren(...late.slice(0, 15).map((c) => {
      const tr = el('tr');
      tr.dataset.device = c.device_id;
      const a = el('a', c.name);
      a.href = `/video/cameras/${encodeURIComponent(c.device_id)}`;
      const name = el('td');
      name.append(a);
      const due = el('td', null, 'num');
      due.append(el('span', clock(c.due_at), 'tag sv-red'));
      tr.append(name, el('td', label('ccategory', c.category)), el('td', c.grid_name), due);
      return tr;
    }));
    document.getElementById('board-cam-none').hidden = late.length > 0;
    const more = document.getElementById('board-cam-more');
    more.hidden = late.length <= 15;
    more.firstElementChild.textContent = T.cam_all.replace('{n}', late.length);
    const insRows = document.getElementById('board-ins-rows');
    insRows.replaceChildren(...ins.slice(0, 200).map((i) => {
      const tr = el('tr');
      tr.dataset.code = i.code;
      if (i.fresh) tr.className = 'fresh';
      i.fresh = false;
      const title = el('td');
      const a = el('a', i.title);
      a.href = `/instructions/${encodeURIComponent(i.code)}`;
      title.append(a);
      if (i.priority !== 'normal') title.append(' ', el('span', label('priority', i.priority), 'tag care'));
      const state = el('td', label('istatus', i.status));
      state.dataset.status = i.status;
      if (i.colour !== 'none') state.append(' ', el('span', label('icolour', i.colour), `tag sv-${i.colour}`));
      const due = insDue(i);
      const matter = el('td');
      if (i.matter_code) {
        const m = el('a', i.matter_code);
        m.href = `/matters/${encodeURIComponent(i.matter_code)}`;
        matter.append(m);
      }
      tr.append(title, el('td', i.recipient_name || i.recipient_unit_name), state,
        el('td', due ? `${day(due)} ${clock(due)}` : '', 'num'), matter);
      return tr;
    }));
    document.getElementById('board-ins-none').hidden = ins.length > 0;
    const insAlarms = ins.filter((i) => i.colour === 'red' || unacknowledged(i, now));
    syncPins(list);
    const rows = document.getElementById('board-rows');
    const body = document.createDocumentFragment();
    for (const m of list.slice(0, 300)) {
      const tr = el('tr');
      tr.dataset.code = m.code;
      if (m.fresh) tr.className = 'fresh';
      m.fresh = false;
      const code = el('td');
      const a = el('a', m.code);
      a.href = `/matters/${encodeURIComponent(m.code)}`;
      code.append(a);
      const risk = el('td');
      if (m.risk && m.risk !== 'none') risk.append(el('span', `${label('risk', m.risk)} ${m.score}`, `tag risk-${m.risk}`));
      const due = el('td', day(m.resolve_due_at), 'num');
      if (overdue(m)) due.append(' ', el('span', T.overdue, 'tag care'));
      tr.append(code, el('td', label('category', m.category) || label('kind', m.kind)), el('td', m.grid_name),
        el('td', label('status', m.status)), el('td', label('tier', m.tier)), risk, due);
      body.append(tr);
    }
    rows.replaceChildren(body);
    const ul = document.getElementById('board-alarms');
    ul.replaceChildren(...insAlarms.map((i) => {
      const li = el('li');
      li.dataset.instruction = i.code;
      const a = el('a', i.title);
      a.href = `/instructions/${encodeURIComponent(i.code)}`;
      const why = i.colour === 'red' ? label('icolour', 'red') : T.unacknowledged;
      li.append(el('span', why, `tag sv-${i.colour === 'red' ? 'red' : 'orange'}`), ' ', a, ' ',
        el('span', i.recipient_name || i.recipient_unit_name, 'muted'));
      if (i.escalated_at) li.append(' ', el('span', T.escalated, 'tag'));
      return li;
    }), ...cams.filter((c) => c.status !== 'online').sort((a, b) => (a.status === 'fault' ? 0 : 1) - (b.status === 'fault' ? 0 : 1)).slice(0, 50).map((c) => {
      const li = el('li');
      li.dataset.device = c.device_id;
      const a = el('a', c.name);
      a.href = `/video/cameras/${encodeURIComponent(c.device_id)}`;
      li.append(el('span', label('cstatus', c.status), `tag cam-${c.status}`), ' ', a, ' ', el('span', c.grid_name, 'muted'));
      return li;
    }), ...alerts.map((x) => {
      const li = el('li');
      const a = el('a', x.matter);
      a.href = `/matters/${encodeURIComponent(x.matter)}`;
      li.append(el('span', `${label('risk', x.level)} ${x.score}`, `tag risk-${x.level}`), ' ', a, ' ', el('span', x.grid, 'muted'), el('div', x.factors, 'small'));
      return li;
    }));
    document.getElementById('board-alarms-none').hidden = alerts.length + insAlarms.length + cams.filter((c) => c.status !== 'online').length > 0;
    const log = document.getElementById('board-recent');
    log.replaceChildren(...recent.map((r) => {
      const li = el('li');
      const a = el('a', r.name || r.code);
      a.href = `/${r.camera ? 'video/cameras' : r.instruction ? 'instructions' : 'matters'}/${encodeURIComponent(r.code)}`;
      li.append(el('span', r.at, 'num muted'), ' ', el('span', label('topic', r.topic), 'tag'), ' ', a, ' ', el('span', r.what));
      return li;
    }));
    document.getElementById('board-recent-none').hidden = recent.length > 0;
  }
  const later = () => { if (!pending) { pending = true; requestAnimationFrame(render); } };

  // The map: a pin per open matter with a place, coloured by risk. It fits all pins until
  // the user pans or zooms; then it holds that view until "follow" is pressed.
  const mapEl = document.getElementById('board-map');
  const followBtn = document.getElementById('board-follow');
  let map = null;
  const pins = new Map();
  let following = true;
  let fitting = false;
  const colours = { red: '#a8071a', orange: '#d46b08', yellow: '#d4b106', none: '#1f5fa8' };
  let gridBounds = null;
  function fit() {
    if (!map || !following) return;
    const bounds = pins.size ? L.latLngBounds([...pins.values()].map((p) => p.getLatLng())) : gridBounds;
    if (!bounds || !bounds.isValid()) return;
    fitting = true;
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16, animate: false });
    fitting = false;
  }
  function hold() {
    if (fitting || !following) return;
    following = false;
    followBtn.hidden = false;
  }
  if (mapEl && window.L) {
    map = L.map(mapEl, { attributionControl: !!mapEl.dataset.tiles });
    if (mapEl.dataset.tiles) L.tileLayer(mapEl.dataset.tiles, { maxZoom: 19, attribution: mapEl.dataset.attribution || '' }).addTo(map);
    map.setView([0, 0], 2);
    map.on('dragstart', hold);
    map.on('zoomstart', hold);
    followBtn.addEventListener('click', () => { following = true; followBtn.hidden = true; fit(); });
    // The jurisdiction's grids, faintly, under the pins (a map without tiles still shows where).
    fetch('/api/v1/map/grids', { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data) return;
        const grids = L.geoJSON(data, { interactive: false, style: { className: 'board-grid', color: '#8c96a3', weight: 1, fillOpacity: 0.04 } }).addTo(map);
        grids.bringToBack();
        gridBounds = grids.getBounds();
        if (pins.size === 0) fit();
      })
      .catch(() => {});
  }
  function syncPins(list) {
    if (!map) return;
    const here = new Set();
    let changed = false;
    for (const m of list) {
      if (m.lat == null || m.lon == null) continue;
      here.add(m.code);
      const colour = colours[m.risk] || colours.none;
      let pin = pins.get(m.code);
      if (!pin) {
        pin = L.circleMarker([m.lat, m.lon], { radius: 6, weight: 1, color: '#fff', fillOpacity: 0.9, fillColor: colour }).addTo(map);
        pin.getElement().dataset.code = m.code;
        const tip = document.createElement('a');
        tip.href = `/matters/${encodeURIComponent(m.code)}`;
        tip.textContent = `${m.code} · ${m.grid_name}`;
        pin.bindPopup(tip);
        pins.set(m.code, pin);
        changed = true;
      } else {
        pin.setStyle({ fillColor: colour });
      }
    }
    for (const [code, pin] of pins) {
      if (!here.has(code)) { pin.remove(); pins.delete(code); changed = true; }
    }
    if (changed) fit();
  }

  function apply(m, id) {
    last = Math.max(last, id);
    if (!m.code) return;
    const had = matters.get(m.code);
    if (had && had.v >= id) return;
    recent.unshift({ at: clock(Date.now()), code: m.code, topic: m.topic, what: `${m.grid_name} · ${label('status', m.status)}` });
    recent.length = Math.min(recent.length, 20);
    if (m.topic === 'matter.escalation_alert' && !alerts.some((x) => x.matter === m.code && x.level === m.level)) {
      alerts.unshift({ matter: m.code, grid: m.grid_name, level: m.level, score: m.score, factors: m.factors });
    }
    if (m.topic === 'matter.alert_acknowledged') alerts = alerts.filter((x) => x.id !== m.alert_id && x.matter !== m.code);
    if (m.status === 'closed') matters.delete(m.code);
    else matters.set(m.code, { ...m, v: id, fresh: true });
    later();
  }

  function applyInstruction(i, id) {
    last = Math.max(last, id);
    const had = instructions.get(i.code);
    if (had && had.v >= id) return;
    const whom = i.recipient_name || i.recipient_unit_name;
    recent.unshift({ at: clock(Date.now()), code: i.code, instruction: true, topic: i.topic, what: `${i.title} · ${whom} · ${label('istatus', i.status) || i.status}` });
    recent.length = Math.min(recent.length, 20);
    if (i.status === 'closed' || i.status === 'returned') instructions.delete(i.code);
    else instructions.set(i.code, { ...i, v: id, fresh: true });
    later();
  }

  function applyCamera(c, id) {
    last = Math.max(last, id);
    const had = cameras.get(c.device_id);
    if (had && had.v >= id) return;
    if (c.topic !== 'camera.looked') {
      recent.unshift({ at: clock(Date.now()), code: c.device_id, name: c.name, camera: true, topic: c.topic, what: `${c.grid_name} · ${label('cstatus', c.status)}` });
      recent.length = Math.min(recent.length, 20);
    }
    if (c.tier === 'key' || c.status !== 'online') cameras.set(c.device_id, { ...c, v: id });
    else cameras.delete(c.device_id);
    later();
  }

  function connect() {
    if (source) source.close();
    source = new EventSource(`/api/v1/board/events?after=${last}${view ? `&${view}` : ''}`);
    source.addEventListener('open', () => { live.textContent = T.live; live.className = 'live on'; });
    source.addEventListener('error', () => { live.textContent = T.reconnecting; live.className = 'live off'; });
    source.addEventListener('matter', (ev) => apply(JSON.parse(ev.data), Number(ev.lastEventId)));
    source.addEventListener('instruction', (ev) => applyInstruction(JSON.parse(ev.data), Number(ev.lastEventId)));
    source.addEventListener('camera', (ev) => applyCamera(JSON.parse(ev.data), Number(ev.lastEventId)));
    source.addEventListener('reset', () => load());
  }

  async function load() {
    const r = await fetch(`/api/v1/board${view ? `?${view}` : ''}`, { headers: { accept: 'application/json' } });
    if (!r.ok) { live.textContent = T.reconnecting; setTimeout(load, 5000); return; }
    const s = await r.json();
    matters.clear();
    for (const m of s.matters) matters.set(m.code, { ...m, v: s.last_event_id });
    alerts = s.alerts;
    instructions.clear();
    for (const i of s.instructions) instructions.set(i.code, { ...i, v: s.last_event_id });
    cameras.clear();
    for (const c of s.cameras) cameras.set(c.device_id, { ...c, v: s.last_event_id });
    beyond = s.open_total - s.matters.length;
    last = s.last_event_id;
    render();
    connect();
  }
  load();
  // The counts of time (overdue, instructions' colours) move on by themselves.
  setInterval(later, 30_000);
})();
