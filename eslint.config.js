// Lints the browser scripts in static/ (plain scripts, no build step): `npx eslint static`.
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  js.configs.recommended,
  {
    files: ["static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: { ...globals.browser },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
    },
  },
  {
    files: ["static/sw.js"],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
];
