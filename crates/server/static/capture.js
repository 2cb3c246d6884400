// The quick-capture page: fill the location from the phone's GPS. Everything else is a
// plain form that works without this script (the location can be typed or a household
// code given instead).
document.querySelectorAll('[data-locate]').forEach((btn) => {
  btn.hidden = false;
  btn.addEventListener('click', () => {
    const out = document.getElementById('loc_status');
    if (!navigator.geolocation) { out.textContent = btn.dataset.unsupported; return; }
    out.textContent = btn.dataset.locating;
    navigator.geolocation.getCurrentPosition((p) => {
      document.getElementById('lat').value = p.coords.latitude.toFixed(6);
      document.getElementById('lon').value = p.coords.longitude.toFixed(6);
      out.textContent = btn.dataset.done.replace('{m}', Math.round(p.coords.accuracy));
    }, (e) => { out.textContent = `${btn.dataset.failed} (${e.message})`; },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  });
});

// Pick a household by searching its address or code (the registry's own search, within the
// recorder's jurisdiction) instead of typing its code.
document.querySelectorAll('[data-household-search]').forEach((box) => {
  box.hidden = false;
  const input = document.getElementById('household_search');
  const list = document.getElementById('household_results');
  const picked = document.getElementById('household_picked');
  const code = document.getElementById('household_code');
  let timer = null;
  let seq = 0;
  const show = (items) => {
    list.replaceChildren();
    if (!items.length) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = box.dataset.none;
      list.append(li);
      return;
    }
    for (const h of items) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = `${h.address}（${h.code}）`;
      b.addEventListener('click', () => {
        code.value = h.code;
        picked.textContent = box.dataset.picked.replace('{a}', h.address);
        list.replaceChildren();
      });
      li.append(b);
      list.append(li);
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 1) { list.replaceChildren(); return; }
    timer = setTimeout(async () => {
      const mine = ++seq;
      const r = await fetch(`/api/v1/households?limit=8&q=${encodeURIComponent(q)}`, { credentials: 'same-origin' });
      if (mine !== seq || !r.ok) return;
      show((await r.json()).items);
    }, 250);
  });
});
