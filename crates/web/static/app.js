// Cephalog: small conveniences on top of forms that work without JavaScript.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Session form: keep the running total of units and sites up to date as sites are ticked.
  const form = document.querySelector("form[data-running-total]");
  if (!form) return;
  const out = document.getElementById("running-total");
  const update = () => {
    let units = 0;
    let sites = 0;
    form.querySelectorAll("input[data-units]").forEach((box) => {
      const qty = form.querySelector(`input[name="units-${box.value}"]`);
      const n = qty ? Number(qty.value) : Number(box.dataset.units);
      if (box.checked && Number.isFinite(n)) {
        units += n;
        sites += 1;
      }
      const mark = document.querySelector(`[data-site="${box.value}"]`);
      if (mark) mark.classList.toggle("site-off", !box.checked);
    });
    if (out) out.textContent = `${units} U at ${sites} sites`;
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  document.querySelectorAll("[data-site]").forEach((mark) => {
    mark.addEventListener("click", () => {
      const box = form.querySelector(`input[data-units][value="${mark.dataset.site}"]`);
      if (box) {
        box.checked = !box.checked;
        update();
      }
    });
  });
  update();
});
