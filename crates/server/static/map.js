// 一区一图: grids of the user's jurisdiction on a Leaflet map, coloured by a chosen figure;
// clicking a grid fills the card beside the map. No framework; the data comes from
// /api/v1/map/grids with the session cookie.
(function () {
  'use strict';
  var el = document.getElementById('map');
  var card = document.getElementById('grid-card');
  var figureSelect = document.getElementById('figure');
  var status = document.getElementById('map-status');
  var L_ = card.dataset;
  var map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tiles });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || '' }).addTo(map);
  }
  var palette = ['#fde0dd', '#fcbba1', '#fc9272', '#ef3b2c', '#a50f15'];
  var layer = null;
  var legend = L.control({ position: 'bottomright' });
  legend.onAdd = function () { var d = L.DomUtil.create('div', 'map-legend'); d.setAttribute('data-testid', 'map-legend'); return d; };
  legend.addTo(map);
  var data = null;
  var selected = null;

  // Classes of whole numbers: one per value when there are few, else up to five ranges
  // that share no number ("0–2, 3–5, ...", never "0–0, 0–1").
  function classes(max) {
    var out = [];
    if (max < palette.length) {
      for (var v = 0; v <= max; v++) out.push({ lo: v, hi: v });
      return out;
    }
    var lo = 0;
    for (var i = 1; i <= palette.length; i++) {
      var hi = Math.round((max * i) / palette.length);
      if (hi >= lo) { out.push({ lo: lo, hi: hi }); lo = hi + 1; }
    }
    return out;
  }

  function classOf(value, cls) {
    for (var i = 0; i < cls.length; i++) if (value <= cls[i].hi) return i;
    return cls.length - 1;
  }

  function colourOf(i, cls) {
    // Spread the classes over the palette, lightest to darkest.
    var k = cls.length === 1 ? 0 : Math.round((i * (palette.length - 1)) / (cls.length - 1));
    return palette[k];
  }

  function text(tag, content) {
    var n = document.createElement(tag);
    n.textContent = content == null ? '—' : String(content);
    return n;
  }

  function showCard(p) {
    card.textContent = '';
    var h = text('h2', p.name);
    card.appendChild(h);
    var dl = document.createElement('dl');
    dl.className = 'facts';
    [[L_.lCode, p.code], [L_.lPoliceGrid, p.police_grid], [L_.lCommunity, p.community], [L_.lOfficer, p.officer],
     [L_.lWorker, p.worker], [L_.lHouseholds, p.figures.households], [L_.lCoverage, p.figures.visit_coverage + '%'], [L_.lOpen, p.figures.open_matters], [L_.lVolunteers, p.figures.volunteers]].forEach(function (row) {
      dl.appendChild(text('dt', row[0]));
      dl.appendChild(text('dd', row[1]));
    });
    card.appendChild(dl);
    var links = document.createElement('p');
    links.className = 'card-links';
    var matters = document.createElement('a');
    matters.href = '/matters?status=open&unit=' + encodeURIComponent(p.code);
    matters.className = 'button';
    matters.textContent = L_.lMatters;
    matters.setAttribute('data-testid', 'grid-matters');
    links.appendChild(matters);
    var a = document.createElement('a');
    a.href = '/org/' + encodeURIComponent(p.code);
    a.className = 'button';
    a.textContent = L_.lUnit;
    links.appendChild(a);
    card.appendChild(links);
  }

  var figure = null;
  var cls = [];

  function style(f) {
    var v = Math.round(f.properties.figures[figure] || 0);
    return { color: '#7a1010', weight: 1, fillOpacity: 0.65, fillColor: colourOf(classOf(v, cls), cls) };
  }

  // Colour the grids by the chosen figure. The layer is made once (its permanent labels
  // would pile up if it were made again); a new figure only restyles it.
  function draw() {
    figure = figureSelect.value;
    var max = 0;
    data.features.forEach(function (f) { max = Math.max(max, Math.round(f.properties.figures[figure] || 0)); });
    cls = classes(max);
    var unit = figure === 'visit_coverage' ? '%' : '';
    var box = legend.getContainer();
    box.textContent = '';
    box.appendChild(text('strong', figureSelect.options[figureSelect.selectedIndex].text));
    cls.forEach(function (c, i) {
      var row = document.createElement('div');
      var sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = colourOf(i, cls);
      row.appendChild(sw);
      row.appendChild(document.createTextNode(' ' + (c.lo === c.hi ? c.lo : c.lo + '–' + c.hi) + unit));
      box.appendChild(row);
    });
    if (layer) {
      layer.setStyle(style);
      if (selected) selected.setStyle({ weight: 3, color: '#1d5fa8' });
      return;
    }
    layer = L.geoJSON(data, {
      style: style,
      onEachFeature: function (f, l) {
        // Each grid labelled with its name (as text: a string would be taken as HTML; a
        // grid's name is data, not markup); the labels show once zoomed in enough to read.
        l.bindTooltip(text('span', f.properties.name), { permanent: true, direction: 'center', className: 'grid-label' });
        l.on('click', function () {
          if (selected) layer.resetStyle(selected);
          selected = l;
          l.setStyle({ weight: 3, color: '#1d5fa8' });
          showCard(f.properties);
        });
      }
    }).addTo(map);
    layer.eachLayer(function (l) { var e = l.getElement && l.getElement(); if (e) e.setAttribute('data-grid', l.feature.properties.code); });
  }

  fetch(el.dataset.src, { credentials: 'same-origin' })
    .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
    .then(function (json) {
      data = json;
      // Give the map its view first: Leaflet draws paths only on a map that has one.
      if (data.features.length) map.fitBounds(L.geoJSON(data).getBounds(), { padding: [12, 12] });
      else map.setView([37.14, 111.78], 13);
      draw();
      status.textContent = data.features.length + ' ' + (document.documentElement.lang === 'en' ? 'grids' : '个网格');
      status.setAttribute('data-count', data.features.length);
    })
    .catch(function (e) { status.textContent = String(e); });
  figureSelect.addEventListener('change', function () { if (data) draw(); });
  function labels() { el.classList.toggle('labels-hidden', map.getZoom() < 15); }
  map.on('zoomend', labels);
  map.whenReady(labels);
})();
