// Live order status: the order page and the orders list ask the server every few seconds
// while an order is still open, and update its badge (and on the order page its history
// and lines) in place, so nobody reloads to see "provisioned".
//   <section data-live-order="/orders/7/status.json" data-final="false">  the order page
//   <table data-live-orders="/orders/status.json"> with <tr data-order-id="7" data-live>
// Polling backs off while nothing changes, pauses while the tab is hidden, and stops once
// every order watched is final. A change is also read out by screen readers through the
// page's role="status" region ([data-announce]).
"use strict";

(() => {
  const FIRST_DELAY = 3000;
  const MAX_DELAY = 30000;
  const BACKOFF = 1.5;

  // One poller: `check()` resolves to true when something changed, false when not, and
  // null when there is nothing left to watch (or the server stopped answering JSON).
  function poll(check) {
    let delay = FIRST_DELAY;
    let timer = null;
    let busy = false; // a request is on its way: never two at once
    let stopped = false;

    const schedule = () => {
      if (!stopped && !document.hidden) {
        timer = window.setTimeout(run, delay);
      }
    };
    const run = async () => {
      timer = null;
      busy = true;
      let changed;
      try {
        changed = await check();
      } catch (error) {
        changed = false; // offline or a server hiccup: ask again later, less often
      }
      busy = false;
      if (changed === null) {
        stopped = true;
        return;
      }
      delay = changed ? FIRST_DELAY : Math.min(delay * BACKOFF, MAX_DELAY);
      schedule();
    };
    document.addEventListener("visibilitychange", () => {
      if (document.hidden && timer !== null) {
        window.clearTimeout(timer);
        timer = null;
      } else if (!document.hidden && timer === null && !busy && !stopped) {
        delay = FIRST_DELAY;
        run(); // back on the tab: show the news at once
      }
    });
    schedule();
  }

  async function getJson(url) {
    const response = await fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    });
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || !type.includes("application/json")) {
      return null; // signed out, or the order is gone: stop rather than guess
    }
    return response.json();
  }

  function announce(root, text) {
    const region = root.querySelector("[data-announce]") ||
      document.querySelector("[data-announce]");
    if (region) {
      region.textContent = text;
    }
  }

  function setBadge(badge, status, label) {
    badge.textContent = label;
    badge.className = "badge status-" + status;
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) {
      node.textContent = text;
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  // --- the order page -------------------------------------------------------------------

  function showText(node, text) {
    if (!node) {
      return;
    }
    const target = node.querySelector("[data-text]") || node;
    target.textContent = text;
    node.hidden = !text;
  }

  function historyItem(entry) {
    const item = element("li");
    const time = element("time", entry.at_text);
    time.dateTime = entry.at;
    item.append(time, " ", element("strong", entry.label));
    if (entry.note) {
      item.append(" — " + entry.note);
    }
    return item;
  }

  function fillLine(cell, line) {
    const parts = [element("span", line.status, "line-status")];
    if (line.error) {
      parts.push(element("br"), element("small", line.error, "error"));
    }
    if (line.subscription_url) {
      const link = element("a", "View subscription");
      link.href = line.subscription_url;
      link.id = "line-subscription-" + (line.number - 1);
      parts.push(element("br"), link);
    }
    cell.replaceChildren(...parts);
  }

  function showOrder(root, order) {
    setBadge(root.querySelector("#order-status"), order.status, order.label);
    showText(root.querySelector("#order-reason"), order.reason);
    showText(root.querySelector("#order-next-step"), order.next_step);
    const history = document.querySelector("#order-history");
    if (history) {
      history.replaceChildren(...order.history.map(historyItem));
    }
    for (const line of order.lines) {
      const cell = root.querySelector(`[data-line-status="${line.number}"]`);
      if (cell) {
        fillLine(cell, line);
      }
    }
  }

  function watchOrder(root) {
    let shown = root.querySelector("#order-status").textContent.trim();
    let entries = document.querySelectorAll("#order-history li").length;
    poll(async () => {
      const order = await getJson(root.dataset.liveOrder);
      if (order === null) {
        return null;
      }
      const changed = order.label !== shown || order.history.length !== entries;
      if (changed) {
        showOrder(root, order);
        if (order.label !== shown) {
          announce(root, `Order ${order.number} is now ${order.label}.`);
        }
        shown = order.label;
        entries = order.history.length;
      }
      return order.final ? null : changed;
    });
  }

  // --- the orders list -----------------------------------------------------------------

  function watchList(table) {
    const rows = new Map();
    for (const row of table.querySelectorAll("tr[data-order-id][data-live]")) {
      rows.set(row.dataset.orderId, row);
    }
    if (rows.size === 0) {
      return;
    }
    poll(async () => {
      const url = new URL(table.dataset.liveOrders, window.location.href);
      url.searchParams.set("ids", [...rows.keys()].join(","));
      const answer = await getJson(url);
      if (answer === null) {
        return null;
      }
      let changed = false;
      const answered = new Set(answer.orders.map((order) => String(order.id)));
      for (const id of [...rows.keys()].filter((id) => !answered.has(id))) {
        rows.delete(id); // no longer visible to this user: nothing to show
      }
      for (const order of answer.orders) {
        const row = rows.get(String(order.id));
        const badge = row && row.querySelector("[data-order-status]");
        if (badge && badge.textContent.trim() !== order.label) {
          setBadge(badge, order.status, order.label);
          announce(table, `Order ${row.dataset.orderNumber} is now ${order.label}.`);
          changed = true;
        }
        if (order.final) {
          rows.delete(String(order.id));
        }
      }
      return rows.size === 0 ? null : changed;
    });
  }

  function start() {
    for (const root of document.querySelectorAll("[data-live-order]")) {
      if (root.dataset.final !== "true") {
        watchOrder(root);
      }
    }
    for (const table of document.querySelectorAll("[data-live-orders]")) {
      watchList(table);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
