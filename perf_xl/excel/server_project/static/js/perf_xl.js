// perf_xl's task pane: the server's token, kept in this computer's storage of the add-in (shared
// by the task pane, the ribbon and the custom functions: the manifest asks for a SharedRuntime).
const PERF_XL_TOKEN_KEY = "perf_xl_token";

document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("perf-xl-token");
  const state = document.getElementById("perf-xl-token-state");
  const show = () => {
    state.textContent = localStorage.getItem(PERF_XL_TOKEN_KEY)
      ? "Token salvato su questo computer."
      : "Nessun token salvato: le funzioni PERF_… e il pulsante Consolida non avranno risposta dal server.";
  };
  document.getElementById("perf-xl-token-save").addEventListener("click", () => {
    const value = input.value.trim();
    if (value) {
      localStorage.setItem(PERF_XL_TOKEN_KEY, value);
    } else {
      localStorage.removeItem(PERF_XL_TOKEN_KEY);
    }
    input.value = "";
    show();
  });
  show();
});
