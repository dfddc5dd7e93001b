// Lints the browser scripts in static/ (no build step): `npx eslint static`.
// static/js holds ES modules (<script type="module">); static/sw.js is the service worker,
// a classic script.
const js = require("@eslint/js");
const globals = require("globals");

// Page scripts not yet converted to modules (loaded with <script defer>).
const CLASSIC = [
  "app", "outbox",
  "annotations", "book", "offline", "viewer", "push",
].map((name) => `static/js/${name}.js`);

module.exports = [
  js.configs.recommended,
  {
    files: ["static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
    },
  },
  {
    files: ["static/sw.js", ...CLASSIC],
    languageOptions: { sourceType: "script" },
  },
  {
    files: ["static/sw.js"],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
];
