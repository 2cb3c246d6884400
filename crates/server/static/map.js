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

  function colour(value, max) {
    if (!max) return palette[0];
    var i = Math.min(palette.length - 1, Math.floor((value / max) * palette.length));
    return palette[i];
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
    var a = document.createElement('a');
    a.href = '/org/' + encodeURIComponent(p.code);
    a.textContent = p.code;
    card.appendChild(a);
  }

  function draw() {
    var figure = figureSelect.value;
    var max = 0;
    data.features.forEach(function (f) { max = Math.max(max, f.properties.figures[figure] || 0); });
    if (layer) layer.remove();
    var box = legend.getContainer();
    box.textContent = '';
    box.appendChild(text('strong', figureSelect.options[figureSelect.selectedIndex].text));
    palette.forEach(function (c, i) {
      var row = document.createElement('div');
      var sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = c;
      row.appendChild(sw);
      var lo = Math.round((max * i) / palette.length), hi = Math.round((max * (i + 1)) / palette.length);
      row.appendChild(document.createTextNode(' ' + lo + '–' + hi + (figure === 'visit_coverage' ? '%' : '')));
      box.appendChild(row);
    });
    layer = L.geoJSON(data, {
      style: function (f) {
        return { color: '#7a1010', weight: 1, fillOpacity: 0.65, fillColor: colour(f.properties.figures[figure] || 0, max) };
      },
      onEachFeature: function (f, l) {
        // As text: a string would be taken as HTML (a grid's name is data, not markup).
        l.bindTooltip(text('span', f.properties.name), { sticky: true });
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
})();
