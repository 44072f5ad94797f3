// Atlaas widget: include this script once, and put
//   <div data-atlaas-commune="62548"></div>
// where the town's initiatives should appear. Optional attributes: data-atlaas-radius-m
// (metres around the commune), data-atlaas-view ("map" or "list"), data-atlaas-theme,
// data-atlaas-year, data-atlaas-arobases. The script inserts an iframe of the Atlaas embed page
// and sizes it to its content; it sends no cookies and reads nothing from the page.
// The label badge: <div data-atlaas-badge="62548"></div> shows the authority's current @ and
// mentions (a small iframe of /badge/CODE), linking to its page on the Atlaas.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  var origin = new URL(script.src).origin;
  var OPTIONS = { 'radius-m': 'radius_m', view: 'view', theme: 'theme', challenge: 'challenge', use: 'use', service: 'service', year: 'year', arobases: 'arobases' };
  var frames = [];

  /** Puts an iframe of `path` on our origin in `host`, once; no cookies or storage shared
   *  with the Atlaas site where browsers support it, and no referrer. */
  function frameIn(host, path, title, sandbox, css) {
    if (host.getAttribute('data-atlaas-mounted')) return null;
    host.setAttribute('data-atlaas-mounted', 'true');
    var frame = document.createElement('iframe');
    frame.src = origin + path;
    frame.title = host.getAttribute('data-atlaas-title') || title;
    frame.loading = 'lazy';
    frame.referrerPolicy = 'no-referrer';
    frame.setAttribute('credentialless', '');
    frame.setAttribute('sandbox', sandbox);
    frame.style.cssText = css;
    host.replaceChildren(frame);
    return frame;
  }

  function mount(host) {
    var q = new URLSearchParams();
    q.set('commune', host.getAttribute('data-atlaas-commune'));
    Object.keys(OPTIONS).forEach(function (attr) {
      var v = host.getAttribute('data-atlaas-' + attr);
      if (v) q.set(OPTIONS[attr], v);
    });
    var frame = frameIn(host, '/embed?' + q.toString(), 'Initiatives numériques de la commune (Atlaas)',
      'allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox', 'width:100%;height:480px;border:0;display:block');
    if (frame) frames.push(frame);
  }

  // The badge's page has no script: it may only open its link in a new tab.
  function mountBadge(host) {
    frameIn(host, '/badge/' + encodeURIComponent(host.getAttribute('data-atlaas-badge')), 'Label Territoires, Villes et Villages Internet (Atlaas)',
      'allow-popups allow-popups-to-escape-sandbox', 'width:280px;max-width:100%;height:112px;border:0;display:block');
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
    document.querySelectorAll('[data-atlaas-badge]').forEach(mountBadge);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
  else mountAll();
})();
