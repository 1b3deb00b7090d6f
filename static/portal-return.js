(function () {
  // Pickup is for heavy parcels: offer it once the chosen items weigh enough. The server checks again.
  var form = document.getElementById("return-form");
  if (!form) return;
  var threshold = parseInt(form.dataset.pickupAboveG, 10);
  var pickup = form.querySelector('input[name="method"][value="pickup"]');
  function update() {
    var grams = 0;
    form.querySelectorAll(".js-qty").forEach(function (select) {
      grams += parseInt(select.value || "0", 10) * parseInt(select.dataset.weightG || "0", 10);
    });
    if (pickup) {
      pickup.disabled = grams <= threshold;
      pickup.closest("label").classList.toggle("p-disabled", pickup.disabled);
      if (pickup.disabled && pickup.checked) {
        form.querySelector('input[name="method"][value="drop_off"]').checked = true;
      }
    }
    var checked = form.querySelector('input[name="method"]:checked');
    var method = checked ? checked.value : "drop_off";
    form.querySelectorAll(".js-steps").forEach(function (list) { list.hidden = list.dataset.method !== method; });
  }
  form.addEventListener("change", update);
  update();
})();
