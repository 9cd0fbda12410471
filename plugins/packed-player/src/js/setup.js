// Reads the player configuration out of an unpacked player script:
// `jwplayer("id").setup({sources: [...], tracks: [...]})` is a JavaScript
// object literal, not JSON, so the script is run with a stub `jwplayer`
// whose `setup` keeps its argument (and whose event hooks do nothing).
// Anything else the script reaches for (`document`, `window`) is absent in
// the sandbox and makes it throw, which the plugin reports as `parse`.
//
// Returns {sources: [{file, label, type}], tracks: [{file, label, kind,
// default}]}, from the first playlist item if the setup has a playlist.
//
// Try it: bex js call src/js/setup.js --name player_setup --args '["..."]'
(function (code) {
  var config = null;
  var player = {
    setup: function (c) { config = c; return player; },
    on: function () { return player; },
    once: function () { return player; },
    onReady: function () { return player; },
  };
  (new Function('jwplayer', code))(function () { return player; });
  if (config === null || typeof config !== 'object') {
    throw new TypeError('the player script has no jwplayer setup');
  }
  var playlist = config.playlist;
  var item = Array.isArray(playlist) && playlist.length > 0 ? playlist[0] : config;
  var sources = Array.isArray(item.sources) ? item.sources : item.file ? [item] : [];
  var tracks = Array.isArray(item.tracks) ? item.tracks : [];
  var text = function (v) { return v === undefined || v === null ? null : String(v); };
  return {
    sources: sources.map(function (s) {
      return { file: text(s.file), label: text(s.label), type: text(s.type) };
    }),
    tracks: tracks.map(function (t) {
      return { file: text(t.file), label: text(t.label), kind: text(t.kind), default: t['default'] === true };
    }),
  };
})
