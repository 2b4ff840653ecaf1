// Node-RED settings for bench-vs-nodered: no editor, no credentials file, warnings only.
module.exports = {
  flowFile: "flows.json",
  credentialSecret: false,
  httpAdminRoot: false,
  httpNodeRoot: false,
  uiHost: "127.0.0.1",
  logging: { console: { level: "warn", metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false } },
};
