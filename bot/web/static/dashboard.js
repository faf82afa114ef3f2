// Live updates: the page listens to /ws (authenticated by the same cookie) and moves cards
// and progress bars without a reload. Without JavaScript the page is complete, only not live.
(function () {
  "use strict";
  var status = document.getElementById("live");
  function setState(on) { if (status) { status.dataset.state = on ? "on" : "off"; status.textContent = on ? "live" : "reconnecting"; } }

  function column(stage) { return document.querySelector('.column[data-stage="' + stage + '"] .cards'); }
  function bump(stage, delta) {
    var el = document.querySelector('.column[data-stage="' + stage + '"] .count');
    if (el) { el.textContent = String(Math.max(0, parseInt(el.textContent || "0", 10) + delta)); }
  }
  function refreshCard(leadId) {
    fetch("/dashboard/cards/" + leadId, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { return null; } return r.text();
    }).then(function (html) {
      if (html === null) { return; }
      var old = document.getElementById("lead-" + leadId);
      var tmp = document.createElement("div"); tmp.innerHTML = html.trim();
      var card = tmp.firstElementChild; if (!card) { return; }
      var target = column(card.dataset.stage);
      if (old) { bump(old.dataset.stage, -1); old.remove(); }
      if (target) { target.insertBefore(card, target.firstChild); bump(card.dataset.stage, 1); }
    });
  }
  function onEvent(ev) {
    var d = ev.data || {};
    if (ev.type === "lead.stage_changed" || ev.type === "lead.captured" || ev.type === "lead.qualified") { refreshCard(d.lead_id); }
    else if (ev.type === "project.progress") {
      var bar = document.getElementById("progress-" + d.project_id);
      if (bar) { bar.value = d.progress; bar.textContent = Math.round(d.progress * 100) + "%"; }
    }
  }
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/ws");
    ws.onopen = function () { setState(true); };
    ws.onmessage = function (m) { try { onEvent(JSON.parse(m.data)); } catch (e) { /* ignore malformed */ } };
    ws.onclose = function () { setState(false); setTimeout(connect, 2000); };
  }
  if (document.querySelector("[data-live]")) { connect(); }
})();
