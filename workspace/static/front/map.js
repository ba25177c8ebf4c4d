/* The plan map: shipped basemap as GeoJSON, every account as a dot coloured by its rep.
   Accounts are drawn by one canvas layer in a single pass (tens of thousands of dots stay
   smooth); a click picks the nearest dot. URLs come from data- attributes of the map element;
   nothing is fetched from outside this workspace. */
(function () {
  "use strict";

  var PICK_PX = 7;

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  /* All accounts on one canvas; redrawn after every move or zoom. */
  var DotsLayer = L.Layer.extend({
    initialize: function (data) { this.data = data; this.shown = []; this.xy = null; },
    onAdd: function (map) {
      this.map = map;
      this.canvas = L.DomUtil.create("canvas", "tq-dots");
      this.canvas.style.position = "absolute";
      map.getPane("accounts").appendChild(this.canvas);
      map.on("moveend zoomend resize viewreset", this.redraw, this);
      map.on("zoomstart", this.hide, this);
      this.redraw();
    },
    onRemove: function (map) {
      map.off("moveend zoomend resize viewreset", this.redraw, this);
      map.off("zoomstart", this.hide, this);
      L.DomUtil.remove(this.canvas);
    },
    hide: function () { this.canvas.style.visibility = "hidden"; },
    setShown: function (shown) { this.shown = shown; this.redraw(); },
    redraw: function () {
      if (!this.map) { return; }
      var map = this.map, size = map.getSize(), ratio = window.devicePixelRatio || 1;
      var c = this.canvas, ctx = c.getContext("2d"), a = this.data.accounts, reps = this.data.reps;
      L.DomUtil.setPosition(c, map.containerPointToLayerPoint([0, 0]));
      c.width = size.x * ratio; c.height = size.y * ratio;
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      var n = this.shown.length, xy = new Float32Array(2 * n), marked = a.changed || null;
      var r = map.getZoom() >= 6 ? 4 : 3;
      ctx.lineWidth = 0.5;
      ctx.strokeStyle = "rgba(40,40,40,0.5)";
      for (var k = 0; k < n; k++) {
        var i = this.shown[k], p = map.latLngToContainerPoint([a.lat[i], a.lon[i]]);
        xy[2 * k] = p.x; xy[2 * k + 1] = p.y;
        if (p.x < -10 || p.y < -10 || p.x > size.x + 10 || p.y > size.y + 10) { continue; }
        ctx.beginPath();
        ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
        ctx.fillStyle = a.rep[i] >= 0 ? reps[a.rep[i]][5] : "#8c8c8c";
        ctx.fill();
        ctx.stroke();
      }
      if (marked) {  // changed accounts on top, ringed
        ctx.lineWidth = 2;
        ctx.strokeStyle = "#000";
        for (k = 0; k < n; k++) {
          if (!marked[this.shown[k]]) { continue; }
          ctx.beginPath();
          ctx.arc(xy[2 * k], xy[2 * k + 1], r + 3, 0, 2 * Math.PI);
          ctx.fillStyle = a.rep[this.shown[k]] >= 0 ? reps[a.rep[this.shown[k]]][5] : "#8c8c8c";
          ctx.fill();
          ctx.stroke();
        }
      }
      this.xy = xy;
      c.style.visibility = "visible";
    },
    pick: function (point) {
      var best = -1, bestD = PICK_PX * PICK_PX, xy = this.xy;
      if (!xy) { return -1; }
      for (var k = 0; k < this.shown.length; k++) {
        var dx = xy[2 * k] - point.x, dy = xy[2 * k + 1] - point.y, d = dx * dx + dy * dy;
        if (d <= bestD) { bestD = d; best = this.shown[k]; }
      }
      return best;
    }
  });

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
    var map = L.map(el, { worldCopyJump: false, minZoom: 2, zoomSnap: 0.25 });
    map.attributionControl.addAttribution("Natural Earth");
    map.createPane("accounts").style.zIndex = 450;
    map.setView([45, -40], 3);
    el.tqMap = map;
    var form = document.getElementById(el.dataset.filters);
    var status = document.getElementById(el.dataset.status);
    var data = null, dots = null;

    var basemapLoaded = fetchJson(el.dataset.basemap).then(function (geo) {
      L.geoJSON(geo, {
        renderer: L.canvas({ padding: 0.3 }),
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
      var a = data.accounts, shown = [];
      var south = 90, north = -90, west = 180, east = -180;
      for (var i = 0; i < a.id.length; i++) {
        if (!visible(i)) { continue; }
        shown.push(i);
        south = Math.min(south, a.lat[i]); north = Math.max(north, a.lat[i]);
        west = Math.min(west, a.lon[i]); east = Math.max(east, a.lon[i]);
      }
      if (status) {
        status.textContent = shown.length.toLocaleString("en-US") + " of " +
          a.id.length.toLocaleString("en-US") + " accounts shown";
      }
      if (fit && shown.length) {
        map.fitBounds([[south, west], [north, east]], { padding: [12, 12], maxZoom: 9, animate: false });
      }
      dots.setShown(shown);
    }

    map.on("click", function (e) {
      if (!dots) { return; }
      var i = dots.pick(e.containerPoint);
      if (i < 0) { return; }
      var url = el.dataset.account.replace("__ID__", encodeURIComponent(data.accounts.id[i]));
      htmx.ajax("GET", url, { target: "#side", swap: "innerHTML" });
    });

    var pointsLoaded = fetchJson(el.dataset.points).then(function (d) {
      data = d;
      el.tqData = d;
      dots = new DotsLayer(d).addTo(map);
      el.tqDots = dots;
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
