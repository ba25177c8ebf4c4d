/* The plan map: shipped basemap as GeoJSON, every account as a canvas circle coloured by rep.
   Reads its URLs from data- attributes of #map; no network beyond this workspace. */
(function () {
  "use strict";

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  function option(select, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }

  function fillFilters(form, data) {
    var managers = {};
    data.reps.forEach(function (r) { if (r[4]) { managers[r[4]] = true; } });
    var lists = {
      region: data.regions.map(function (v, i) { return [String(i), v]; }),
      segment: data.segments.map(function (v, i) { return [String(i), v]; }),
      manager: Object.keys(managers).sort().map(function (m) { return [m, m]; }),
      rep: data.reps.map(function (r, i) { return [String(i), r[0] + (r[1] ? " " + r[1] : "")]; })
    };
    Object.keys(lists).forEach(function (name) {
      var select = form.elements[name];
      if (!select) { return; }
      lists[name].forEach(function (pair) { if (pair[1] !== "") { option(select, pair[0], pair[1]); } });
    });
  }

  function start(el) {
    var map = L.map(el, { preferCanvas: true, worldCopyJump: false, minZoom: 2, zoomSnap: 0.25 });
    // accounts draw on their own canvas above the basemap's, whichever arrives first
    map.createPane("accounts").style.zIndex = 450;
    var baseRenderer = L.canvas({ padding: 0.3 });
    var renderer = L.canvas({ padding: 0.3, pane: "accounts" });
    map.attributionControl.addAttribution("Natural Earth");
    map.setView([45, -40], 3);
    el.tqMap = map;
    var points = L.layerGroup().addTo(map);
    var form = document.getElementById(el.dataset.filters);
    var status = document.getElementById(el.dataset.status);
    var data = null;

    var basemapLoaded = fetchJson(el.dataset.basemap).then(function (geo) {
      L.geoJSON(geo, {
        renderer: baseRenderer,
        interactive: false,
        style: function (f) {
          return f.properties.k === "c"
            ? { color: "#9c9c9c", weight: 0.7, fillColor: "#e3e3e3", fillOpacity: 1 }
            : { color: "#c2c2c2", weight: 0.5, fill: false };
        }
      }).addTo(map);
    }).catch(function (e) { if (status) { status.textContent = "basemap: " + e.message; } });

    function visible(i) {
      if (!form) { return true; }
      var a = data.accounts, f = form.elements, rep = a.rep[i];
      if (f.region && f.region.value !== "" && String(a.reg[i]) !== f.region.value) { return false; }
      if (f.segment && f.segment.value !== "" && String(a.seg[i]) !== f.segment.value) { return false; }
      if (f.rep && f.rep.value !== "" && String(rep) !== f.rep.value) { return false; }
      if (f.manager && f.manager.value !== "" && (rep < 0 || data.reps[rep][4] !== f.manager.value)) { return false; }
      if (f.changed && f.changed.checked && !(a.changed ? a.changed[i] : a.moved[i])) { return false; }
      return true;
    }

    function draw(fit) {
      points.clearLayers();
      var a = data.accounts, shown = 0, bounds = [];
      var highlight = a.changed || null;
      for (var i = 0; i < a.id.length; i++) {
        if (!visible(i)) { continue; }
        var rep = a.rep[i];
        var colour = rep >= 0 ? data.reps[rep][5] : "#8c8c8c";
        var marked = highlight ? highlight[i] : 0;
        var m = L.circleMarker([a.lat[i], a.lon[i]], {
          renderer: renderer, radius: marked ? 5 : 3, weight: marked ? 2 : 0.5,
          color: marked ? "#000" : "#333", opacity: marked ? 1 : 0.5,
          fillColor: colour, fillOpacity: 0.85
        });
        m.tqIndex = i;
        points.addLayer(m);
        bounds.push([a.lat[i], a.lon[i]]);
        shown++;
      }
      if (status) { status.textContent = shown.toLocaleString() + " of " + a.id.length.toLocaleString() + " accounts shown"; }
      if (fit && bounds.length) { map.fitBounds(L.latLngBounds(bounds), { padding: [10, 10] }); }
    }

    points.on("click", function (e) {
      var i = e.layer.tqIndex;
      var url = el.dataset.account.replace("__ID__", encodeURIComponent(data.accounts.id[i]));
      htmx.ajax("GET", url, { target: "#side", swap: "innerHTML" });
    });

    var pointsLoaded = fetchJson(el.dataset.points).then(function (d) {
      data = d;
      el.tqData = d;
      if (form) {
        fillFilters(form, d);
        form.addEventListener("change", function () { draw(true); });
      }
      draw(true);
    }).catch(function (e) { if (status) { status.textContent = "map data: " + e.message; } });
    Promise.all([basemapLoaded, pointsLoaded]).then(function () { el.dataset.ready = "1"; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-tq-map]").forEach(start);
  });
})();
