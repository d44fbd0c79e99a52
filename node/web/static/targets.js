// The targets page of a cross-posted item (/objects/{id}/targets, node/web/item_targets_view.py):
// while a hub has not answered, the status table is fetched again every few seconds and
// swapped in place (an aria-live region, so screen readers hear the change). Without
// JavaScript the page's "Refresh" link does the same by hand. The "Stop updating" button
// ends the updates (WCAG 2.2.2); they end by themselves once every hub has answered.
(function () {
  "use strict";
  var region = document.getElementById("target-status");
  if (!region || !region.hasAttribute("data-live") || !window.fetch || !window.DOMParser) {
    return;
  }
  var seconds = parseInt(region.getAttribute("data-live"), 10) || 10;
  var button = document.createElement("button");
  var timer = null;
  button.type = "button";
  button.textContent = region.getAttribute("data-stop-label") || "Stop updating";
  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
    button.remove();
  }
  function refresh() {
    window.fetch(window.location.href, {headers: {"Accept": "text/html"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) {
          return;
        }
        var fresh = new window.DOMParser().parseFromString(html, "text/html")
          .getElementById("target-status");
        if (!fresh) {
          return;
        }
        region.innerHTML = fresh.innerHTML;
        if (!fresh.hasAttribute("data-live")) {
          stop();
        }
      })
      .catch(function () { /* the next tick tries again */ });
  }
  button.addEventListener("click", stop);
  region.parentNode.insertBefore(button, region.nextSibling);
  timer = window.setInterval(refresh, seconds * 1000);
}());
