/* Runs inside the advice widget page: tells the embedding page how tall the content is, so that
   widget.js can size the iframe. The height is not secret, hence the "*" target origin; the
   embedding side checks that the message comes from the platform and from its own iframe. */
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var lastHeight = 0;
  function sendHeight() {
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === lastHeight) {
      return;
    }
    lastHeight = height;
    window.parent.postMessage({ type: "bonnefoi-advice-widget:resize", height: height }, "*");
  }
  if ("ResizeObserver" in window) {
    new ResizeObserver(sendHeight).observe(document.body);
  } else {
    window.addEventListener("resize", sendHeight);
  }
  window.addEventListener("load", sendHeight);
  sendHeight();
})();
