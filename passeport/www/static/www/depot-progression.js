/*
 * Progress of a deposit being processed: polls the JSON endpoint named by the section's
 * data-progression-url, updates the <progress> bar, and updates the aria-live message only
 * when its wording changes by a step (not at every poll, so screen readers are not
 * flooded). Reloads the page once the deposit is final, to show its results.
 */
(function () {
  "use strict";

  var section = document.querySelector("[data-progression-url]");
  if (!section || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-progression-url");
  var bar = section.querySelector("progress");
  var live = section.querySelector("[aria-live]");
  var delay = 1500;
  var maxDelay = 10000;
  var lastStep = null;

  function announce(text) {
    if (live && live.textContent !== text) {
      live.textContent = text;
    }
  }

  function render(data) {
    var current = data.progress || {};
    var percent = typeof current.percent === "number" ? current.percent : null;
    if (bar) {
      if (percent === null) {
        bar.removeAttribute("value");
        bar.textContent = "";
      } else {
        bar.value = percent;
        bar.textContent = percent + " %";
      }
    }
    // One announcement per phase and per tenth of the file.
    var step = data.status + ":" + (current.phase || "") + ":" +
      (percent === null ? "" : Math.floor(percent / 10));
    if (step !== lastStep) {
      lastStep = step;
      announce(data.message);
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401 || response.status === 404) {
          return response.json().then(function (data) {
            announce(data.erreur || "Le suivi du traitement n'est plus disponible.");
            return null;
          }, function () {
            announce("Le suivi du traitement n'est plus disponible.");
            return null;
          });
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (data === null) {
          return;
        }
        if (data.final) {
          if (bar) {
            bar.value = 100;
          }
          announce(data.message + " Affichage des résultats…");
          window.location.reload();
          return;
        }
        render(data);
        // Slower and slower while nothing ends, so a long file costs few requests.
        delay = Math.min(delay + 500, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, maxDelay);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
