/* Grace lead form. Include with:
   <div data-grace-form="FORM_ID"></div>
   <script src="https://grace.example/forms/FORM_ID/embed.js" async></script>
   Renders an ordinary HTML form that posts to Grace; without JavaScript the hosted page still works. */
(function () {
  "use strict";
  var cfg = {{ config|tojson }};
  var script = document.currentScript;
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? "" : attrs[k]); }
    if (text) node.textContent = text;
    return node;
  }
  function render(host) {
    var form = el("form", {method: "post", action: cfg.action, "accept-charset": "utf-8", "class": "grace-form",
                           "aria-label": cfg.name});
    form.appendChild(el("input", {type: "hidden", name: cfg.tokenField, value: cfg.token}));
    cfg.fields.forEach(function (f) {
      var id = "grace-" + cfg.id + "-" + f.name;
      var label = el("label", {"for": id, style: "display:block;margin-top:.75em"}, f.label + (f.required ? "" : " (optional)"));
      var input = f.type === "textarea"
        ? el("textarea", {id: id, name: f.name, maxlength: f.maxlength, required: f.required, rows: "5", style: "width:100%"})
        : el("input", {id: id, name: f.name, type: f.type, maxlength: f.maxlength, required: f.required,
                       autocomplete: f.autocomplete || null, style: "width:100%"});
      form.appendChild(label);
      form.appendChild(input);
    });
    var trap = el("div", {"aria-hidden": "true", style: "position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden"});
    trap.appendChild(el("label", {"for": "grace-" + cfg.id + "-hp"}, "Leave this field empty"));
    trap.appendChild(el("input", {id: "grace-" + cfg.id + "-hp", name: cfg.honeypot, type: "text", tabindex: "-1", autocomplete: "off"}));
    form.appendChild(trap);
    form.appendChild(el("button", {type: "submit", style: "margin-top:1em"}, "Send"));
    host.appendChild(form);
  }
  var hosts = document.querySelectorAll('[data-grace-form="' + cfg.id + '"]');
  if (hosts.length) { Array.prototype.forEach.call(hosts, render); return; }
  var host = document.createElement("div");
  if (script && script.parentNode) { script.parentNode.insertBefore(host, script.nextSibling); }
  else { document.body.appendChild(host); }
  render(host);
})();
