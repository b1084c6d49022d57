// Page behaviour, wired by data- attributes: the Content-Security-Policy runs no inline
// script or on…= handler (storefront/headers.py), so every behaviour lives here.
"use strict";

// <select data-autosubmit>: choosing an option submits its form (filters, the shop's
// customer), as the form's button would.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) {
    select.form.submit();
  }
});

// The tax ID field is named as the chosen country names the number (NIP, CNPJ, INN…):
// the server labels it for the saved country; choosing another relabels it from the
// field's data-tax-id-labels (storefront/forms.py).
document.addEventListener("change", (event) => {
  const country = event.target.closest("select[name=country]");
  const field = country && country.form && country.form.querySelector("[data-tax-id-labels]");
  const label = field && country.form.querySelector(`label[for="${field.id}"]`);
  if (label) {
    const names = JSON.parse(field.dataset.taxIdLabels);
    label.textContent = names[country.value] || field.dataset.taxIdDefault;
  }
});

// <… data-for-families="a b">: shown only while the form's Family is one of those (the
// product page's software delivery, S7); the server hides it for the saved family.
document.addEventListener("change", (event) => {
  const family = event.target.closest("select[name=family]");
  if (family && family.form) {
    for (const part of family.form.querySelectorAll("[data-for-families]")) {
      part.hidden = !part.dataset.forFamilies.split(" ").includes(family.value);
    }
  }
});

// <input data-select-on-click>: a click selects the whole value (links to copy).
document.addEventListener("click", (event) => {
  const field = event.target.closest("input[data-select-on-click]");
  if (field) {
    field.select();
  }
});

// <button data-copy="…">: copies its value (a download link, S7) to the clipboard and
// says so on the button, for a moment, in words a screen reader announces.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button || !navigator.clipboard) {
    return;
  }
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    button.setAttribute("aria-live", "polite");
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});

// Landing on a field: a fix link (storefront/fix_links.py) or an error summary's link ends
// in #<id> of the element where the fix is made. The browser only scrolls there; we also
// focus it (so typing goes straight in), bring it to the middle of the screen and flash a
// highlight that fades (.fix-target in style.css; without script, :target marks it).
const CONTROLS = "input:not([type=hidden]), select, textarea, button, a[href]";

function focusable(element) {
  if (element.matches(CONTROLS)) {
    return element;
  }
  if (element.matches("fieldset")) {  // a group of radios: its chosen one, else the first
    const inside = element.querySelector("input:checked") || element.querySelector(CONTROLS);
    if (inside) {
      return inside;
    }
  }
  element.setAttribute("tabindex", "-1");  // a section or heading takes focus itself
  return element;
}

function land(element) {
  const folded = element.closest("details");
  if (folded) {
    folded.open = true;
  }
  const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  element.scrollIntoView({ block: "center", behavior: still ? "auto" : "smooth" });
  focusable(element).focus({ preventScroll: true });
  const marked = element.closest(".field") || element;
  marked.classList.remove("fix-target");
  void marked.offsetWidth;  // restart the fade when the same field is reached again
  marked.classList.add("fix-target");
}

function targetOf(hash) {
  const id = decodeURIComponent((hash || "").slice(1));
  return id ? document.getElementById(id) : null;
}

window.addEventListener("hashchange", () => {
  const target = targetOf(window.location.hash);
  if (target) {
    land(target);
  }
});

// A link to the place already in the address bar changes nothing, so no hashchange: land
// again by hand (an error summary's link clicked twice).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='#']");
  if (link && link.hash === window.location.hash) {
    const target = targetOf(link.hash);
    if (target) {
      event.preventDefault();
      land(target);
    }
  }
});

document.addEventListener("animationend", (event) => {
  if (event.animationName === "fix-target") {
    event.target.classList.remove("fix-target");
  }
});

// On arrival: a refused form's error summary (role=alert) takes the focus first, so it is
// read out and Tab leads to its links; otherwise the field the address names.
(() => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    return;
  }
  const target = targetOf(window.location.hash);
  if (target) {
    land(target);
  }
})();

// A table too wide for the screen scrolls inside its .table-scroll box (style.css); a
// keyboard user scrolls it once the box can take the focus, and a screen reader names it
// by the table's caption or the heading above. Only boxes that overflow become tab stops,
// re-measured when the window is resized or turned.
function tableScrolls() {
  for (const box of document.querySelectorAll(".table-scroll")) {
    if (box.scrollWidth > box.clientWidth) {
      const table = box.querySelector("table");
      const named = (table && table.caption) || box.closest("section")?.querySelector("h2, h3");
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", (named && named.textContent.trim()) || "Table");
    } else if (box.hasAttribute("tabindex")) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }
}
tableScrolls();
window.addEventListener("resize", tableScrolls);
