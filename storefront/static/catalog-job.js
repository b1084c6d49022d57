// Catalog job progress: the job page asks the server every two seconds while a price-list
// import or a sync runs, and updates its badge, bar and phase in place; once the job is
// done (or failed) it reloads once, to show the summary and the error report.
//   <section data-live-job="/admin/catalog/jobs/4/status.json" data-final="false">
// A change is read out by screen readers through the page's [data-announce] region.
"use strict";

(() => {
  const DELAY = 2000;
  const section = document.querySelector("[data-live-job]");
  if (!section || section.dataset.final === "true") {
    return;
  }
  const find = (name) => section.querySelector(`[data-${name}]`);

  async function check() {
    let job;
    try {
      const response = await fetch(section.dataset.liveJob, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      job = await response.json();
    } catch (error) {
      window.setTimeout(check, DELAY * 3); // offline or a hiccup: ask again, less often
      return;
    }
    if (job.final) {
      window.location.reload();
      return;
    }
    const status = find("job-status");
    const phase = find("job-phase");
    if (phase && phase.textContent !== job.phase) {
      phase.textContent = job.phase;
      const announce = document.querySelector("[data-announce]");
      if (announce) {
        announce.textContent = job.phase;
      }
    }
    if (status) {
      status.textContent = job.status;
      status.className = `badge status-${job.status}`;
    }
    const bar = find("job-progress");
    if (bar) {
      bar.value = job.percent;
      bar.textContent = `${job.percent} %`;
    }
    const count = find("job-count");
    if (count && job.total) {
      count.textContent = `${job.processed} of ${job.total}`;
    }
    window.setTimeout(check, DELAY);
  }

  window.setTimeout(check, DELAY);
})();
