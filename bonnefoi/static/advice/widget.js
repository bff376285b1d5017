/* Bonne foi: advice widget loader, for other administrations' sites.

   <script src="https://PLATFORM/static/advice/widget.js" data-procedure="SLUG" async></script>
   (or data-owner="SP_CODE", data-life-event="SLUG"; optional data-title for the iframe title)

   Inserts, right after the script tag, an iframe showing the platform's widget page
   (/conseils/widget/), then sizes it from the height that page posts. Messages are accepted only
   from the platform's origin and from that very iframe. No cookie, no inline script or style. */
(function () {
  "use strict";
  var MESSAGE_TYPE = "bonnefoi-advice-widget:resize";
  var WIDGET_PATH = "/conseils/widget/";
  var FILTERS = [
    ["procedure", "procedure"],
    ["owner", "owner"],
    ["lifeEvent", "life_event"]
  ];
  var MAX_HEIGHT = 20000;

  function insertWidget(script) {
    if (script.getAttribute("data-bonnefoi-widget") === "ready") {
      return;
    }
    script.setAttribute("data-bonnefoi-widget", "ready");
    var widgetUrl = new URL(WIDGET_PATH, new URL(script.src, document.baseURI).origin);
    FILTERS.forEach(function (filter) {
      var value = script.dataset[filter[0]];
      if (value) {
        widgetUrl.searchParams.set(filter[1], value);
      }
    });
    var iframe = document.createElement("iframe");
    iframe.src = widgetUrl.href;
    iframe.title = script.dataset.title || "Conseils pour éviter les erreurs fréquentes";
    iframe.className = "bonnefoi-advice-widget";
    iframe.setAttribute("loading", "lazy");
    iframe.style.display = "block";
    iframe.style.width = "100%";
    iframe.style.height = "480px";
    iframe.style.border = "0";
    script.parentNode.insertBefore(iframe, script.nextSibling);

    window.addEventListener("message", function (event) {
      if (event.origin !== widgetUrl.origin || event.source !== iframe.contentWindow) {
        return;
      }
      var data = event.data;
      if (!data || data.type !== MESSAGE_TYPE) {
        return;
      }
      var height = Number(data.height);
      if (!isFinite(height) || height <= 0) {
        return;
      }
      iframe.style.height = Math.min(Math.ceil(height), MAX_HEIGHT) + "px";
    });
  }

  if (document.currentScript) {
    insertWidget(document.currentScript);
  } else {
    var scripts = document.querySelectorAll('script[src*="/advice/widget.js"]');
    Array.prototype.forEach.call(scripts, insertWidget);
  }
})();
