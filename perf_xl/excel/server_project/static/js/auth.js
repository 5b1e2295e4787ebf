// perf_xl's getAuth (replaces xlwings Server's static/js/auth.js): every call to the server carries
// the token saved in the task pane, for the auth provider "perf_xl" (server_project/auth/perf_xl.py).
// With Entra ID configured instead (XLWINGS_AUTH_PROVIDERS=["entraid"]) xlwings' own way is kept.
globalThis.getAuth = async function () {
  if (config.authProviders.includes("entraid")) {
    const token = await xlwings.getAccessToken();
    return { token: token, provider: "entraid" };
  }
  const token = globalThis.localStorage ? localStorage.getItem("perf_xl_token") || "" : "";
  return { token: token ? "Bearer " + token : "", provider: "perf_xl" };
};
