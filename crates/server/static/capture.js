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
