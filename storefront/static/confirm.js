// Confirmation of destructive actions. A form with data-confirm="what will happen" (and
// data-confirm-action="the button's words") asks in a modal <dialog> before it is sent;
// confirming adds confirm=yes, which the server requires (storefront/confirmation.py).
// Without script the server asks on a page of its own: this is the quicker way, not the
// safeguard.
"use strict";

(() => {
  let dialog = null;

  function element(tag, properties) {
    return Object.assign(document.createElement(tag), properties);
  }

  // One dialog for the page, built on first use. "Go back" has the focus, so a stray Enter
  // or Space changes nothing; Escape closes it the same way.
  function build() {
    const node = element("dialog", { className: "confirm" });
    node.setAttribute("aria-labelledby", "confirm-title");
    node.setAttribute("aria-describedby", "confirm-text");
    const buttons = element("form", { method: "dialog", className: "actions" });
    buttons.append(
      element("button", { value: "confirm", className: "danger" }),
      element("button", { value: "back", textContent: "Go back, change nothing",
                          autofocus: true }),
    );
    node.append(element("h2", { id: "confirm-title" }), element("p", { id: "confirm-text" }),
                buttons);
    document.body.append(node);
    return node;
  }

  function ask(form, submitter) {
    dialog = dialog || build();
    const action = form.dataset.confirmAction || "Go ahead";
    dialog.querySelector("#confirm-title").textContent = `${action}?`;
    dialog.querySelector("#confirm-text").textContent = form.dataset.confirm;
    dialog.querySelector("button[value=confirm]").textContent = action;
    dialog.returnValue = "";
    dialog.addEventListener("close", () => {
      if (dialog.returnValue !== "confirm") {
        if (submitter) {
          submitter.focus();
        }
        return;
      }
      form.append(element("input", { type: "hidden", name: "confirm", value: "yes" }));
      form.requestSubmit(submitter || undefined); // the button's name=value goes along
    }, { once: true });
    dialog.showModal();
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm ||
        form.querySelector("input[name=confirm][value=yes]")) {
      return;
    }
    event.preventDefault();
    ask(form, event.submitter);
  });
})();
