// Cephalog: small conveniences on top of forms that work without JavaScript.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Session form: keep the running total of units and sites up to date as sites are ticked, and
  // the site map in step with the checkboxes (selecting a site on the map ticks its box).
  const form = document.querySelector("form[data-running-total]");
  if (!form) return;
  const out = document.getElementById("running-total");
  const boxes = () => form.querySelectorAll('input[type="checkbox"][data-units]');
  const boxFor = (key) =>
    Array.from(boxes()).find((box) => box.value === key);
  const update = () => {
    let units = 0;
    let sites = 0;
    boxes().forEach((box) => {
      const qty = form.querySelector(`input[name="units-${CSS.escape(box.value)}"]`);
      const n = qty ? Number(qty.value) : Number(box.dataset.units);
      if (box.checked && Number.isFinite(n)) {
        units += n;
        sites += 1;
      }
      const mark = document.querySelector(`[data-site="${CSS.escape(box.value)}"]`);
      if (mark) {
        mark.classList.toggle("site-off", !box.checked);
        mark.classList.toggle("site-on", box.checked);
        if (mark.parentNode && mark.parentNode.classList) {
          mark.parentNode.classList.toggle("site-off", !box.checked);
          mark.parentNode.classList.toggle("site-on", box.checked);
        }
      }
    });
    if (out) out.textContent = `${units} U at ${sites} sites`;
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  document.querySelectorAll("[data-site]").forEach((mark) => {
    const box = boxFor(mark.dataset.site);
    if (!box) return;
    // The map repeats the checkboxes for pointer users; keyboard and screen-reader users have
    // the checkboxes themselves.
    mark.addEventListener("click", () => {
      box.checked = !box.checked;
      if (box.checked && box.dataset.ftp !== undefined) {
        const details = box.closest("details");
        if (details) details.open = true;
      }
      update();
    });
  });
  update();
});
