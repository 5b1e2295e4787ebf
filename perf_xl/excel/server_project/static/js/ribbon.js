// perf_xl's ribbon (replaces xlwings Server's static/js/ribbon.js): the «Consolida» button of the
// manifest (FunctionName perf-xl-consolida) runs the consolida script, with the token of getAuth.
async function perfXlConsolida(event) {
  const authResult =
    typeof globalThis.getAuth === "function" ? await globalThis.getAuth() : { token: "", provider: "" };
  try {
    await xlwings.runPython({
      auth: authResult.token,
      scriptName: "consolida",
      headers: { "Auth-Provider": authResult.provider },
    });
  } finally {
    event.completed();
  }
}
Office.actions.associate("perf-xl-consolida", perfXlConsolida);
