// Atlaas widget: include this script once, and put
//   <div data-atlaas-commune="62548"></div>
// where the town's initiatives should appear. Optional attributes: data-atlaas-radius-m
// (metres around the commune), data-atlaas-view ("map" or "list"), data-atlaas-theme,
// data-atlaas-year, data-atlaas-arobases. The script inserts an iframe of the Atlaas embed page
// and sizes it to its content; it sends no cookies and reads nothing from the page.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  var origin = new URL(script.src).origin;
  var OPTIONS = { 'radius-m': 'radius_m', view: 'view', theme: 'theme', challenge: 'challenge', use: 'use', service: 'service', year: 'year', arobases: 'arobases' };
  var frames = [];

  function mount(host) {
    if (host.getAttribute('data-atlaas-mounted')) return;
    host.setAttribute('data-atlaas-mounted', 'true');
    var q = new URLSearchParams();
    q.set('commune', host.getAttribute('data-atlaas-commune'));
    Object.keys(OPTIONS).forEach(function (attr) {
      var v = host.getAttribute('data-atlaas-' + attr);
      if (v) q.set(OPTIONS[attr], v);
    });
    var frame = document.createElement('iframe');
    frame.src = origin + '/embed?' + q.toString();
    frame.title = host.getAttribute('data-atlaas-title') || 'Initiatives numériques de la commune (Atlaas)';
    frame.loading = 'lazy';
    frame.referrerPolicy = 'no-referrer';
    // No cookies or storage shared with the Atlaas site, where browsers support it.
    frame.setAttribute('credentialless', '');
    frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox');
    frame.style.cssText = 'width:100%;height:480px;border:0;display:block';
    host.replaceChildren(frame);
    frames.push(frame);
  }

  // Only messages from our origin, sent by one of our frames, may resize that frame.
  window.addEventListener('message', function (event) {
    if (event.origin !== origin) return;
    var data = event.data;
    if (!data || data.type !== 'atlaas:resize' || typeof data.height !== 'number') return;
    frames.forEach(function (frame) {
      if (frame.contentWindow === event.source) {
        frame.style.height = Math.max(200, Math.min(3000, Math.round(data.height))) + 'px';
      }
    });
  });

  function mountAll() {
    document.querySelectorAll('[data-atlaas-commune]').forEach(mount);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
  else mountAll();
})();
