// Keyboard for the desk: j/k move in the queue, Enter opens, a assigns to me, r replies.
(function () {
  "use strict";
  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("table[data-queue] tbody tr[data-href]")); }
  function current() { return document.querySelector("table[data-queue] tr.selected"); }
  function select(row) {
    var old = current();
    if (old) { old.classList.remove("selected"); }
    if (row) { row.classList.add("selected"); row.scrollIntoView({ block: "nearest" }); }
  }
  function csrf() {
    var m = document.cookie.match(/csrftoken=([^;]+)/);
    return m ? m[1] : "";
  }
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.metaKey || event.ctrlKey || event.altKey) { return; }
    var list = rows();
    var row = current();
    var index = row ? list.indexOf(row) : -1;
    if (event.key === "j" && list.length) { select(list[Math.min(index + 1, list.length - 1)]); event.preventDefault(); }
    else if (event.key === "k" && list.length) { select(list[Math.max(index - 1, 0)]); event.preventDefault(); }
    else if (event.key === "Enter" && row) { window.location = row.dataset.href; event.preventDefault(); }
    else if (event.key === "a") {
      if (row) {
        fetch(row.dataset.assign, { method: "POST", headers: { "X-CSRFToken": csrf(), "HX-Request": "true" },
          body: new URLSearchParams({ from: "queue" }) })
          .then(function (r) { return r.text(); })
          .then(function (html) { row.querySelector("td.assignee").innerHTML = html; });
      } else {
        var button = document.querySelector("[data-key='a']");
        if (button) { button.click(); }
      }
      event.preventDefault();
    } else if (event.key === "r") {
      var reply = document.querySelector("#reply textarea, #reply select");
      if (reply) { reply.focus(); reply.scrollIntoView({ block: "center" }); event.preventDefault(); }
    }
  });
  // Asked before a form (or the button that sent it) does what the buyer will hear about.
  // The act form asks what the chosen action does: who is told, what is sent.
  function chosen(form) {
    var select = form.querySelector && form.querySelector("select[data-confirm-options]");
    return select ? select.options[select.selectedIndex] : null;
  }
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var option = chosen(event.target);
    var message = (button && button.dataset.confirm) || (option && option.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // The hint under the action says what it does, for the action chosen now.
  document.addEventListener("change", function (event) {
    if (!event.target.hasAttribute("data-confirm-options")) { return; }
    var hint = document.getElementById("act-tells");
    var option = chosen(event.target.form);
    if (hint && option) { hint.textContent = option.dataset.tells || ""; }
  });
  // A refusal the server explains (400 with the reason) is shown where the answer would be.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
  // "Select all" ticks every case on the page (and the ones "More cases" loaded).
  document.addEventListener("change", function (event) {
    var all = event.target;
    if (!all.hasAttribute || !all.hasAttribute("data-select-all")) { return; }
    var boxes = document.querySelectorAll("table[data-queue] tbody input[name=case]");
    Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
  });
  // A menu that applies itself, such as the dashboard's shop.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.form && field.hasAttribute("data-autosubmit")) { field.form.submit(); }
  });
})();
