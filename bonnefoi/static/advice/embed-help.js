/* « Intégrer les conseils sur votre site »: "Copier" buttons under each code snippet (a read-only
   textarea). Without JavaScript the buttons stay hidden and the code can be selected by hand. */
(function () {
  "use strict";
  var status = document.getElementById("copie-etat");
  function announce(text) {
    if (status) {
      status.textContent = "";
      window.setTimeout(function () {
        status.textContent = text;
      }, 50);
    }
  }
  function selectText(element) {
    element.focus();
    element.select();
  }
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.value;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () {
            announce("Code copié.");
          },
          function () {
            selectText(target);
            announce("Le code est sélectionné : copiez-le avec Ctrl+C.");
          }
        );
      } else {
        selectText(target);
        announce("Le code est sélectionné : copiez-le avec Ctrl+C.");
      }
    });
  });
})();
