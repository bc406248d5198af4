/* Accessible names that match what a reader sees (WCAG 2.5.3, axe-core "label-content-name-mismatch").
 *
 * Controls whose aria-label leaves out their visible text: the theme's search buttons
 * ("Search Ctrl+K", labelled "Search"), its colour-mode button, and MyST-NB's folded code cells
 * ("Show code cell source", labelled "Toggle hidden content"). A speech-input user who says what
 * they see would not reach them. Where the control shows text, that text becomes its name again;
 * an icon-only control keeps its label. */
(function () {
  "use strict";
  var SELECTORS = [
    "button.search-button__button[aria-label]",
    "details > summary[aria-label='Toggle hidden content']",
  ];
  function fix() {
    // the colour-mode button's icons carry titles ("Light", "Dark", ...; pydata-sphinx-theme
    // PR #1924) that count as its text; they are decoration, the button's name is its label
    // "Color mode", and its tooltip (data-bs-title) stays
    document.querySelectorAll("button.theme-switch-button i[title]").forEach(function (icon) {
      icon.removeAttribute("title");
      icon.setAttribute("aria-hidden", "true");
    });
    document.querySelectorAll(SELECTORS.join(",")).forEach(function (el) {
      if (el.innerText && el.innerText.trim()) {
        el.removeAttribute("aria-label");
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fix);
  } else {
    fix();
  }
})();
