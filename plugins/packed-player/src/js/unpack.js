// Unpacks a script packed with Dean Edwards' packer,
// `eval(function(p,a,c,k,e,d){...}('...',62,N,'...'.split('|'),0,{}))`,
// without running what it unpacks: the script is compiled as the body of a
// function whose parameter `eval` shadows the global one, and is given a
// function that only keeps its argument. The packer's own decoder (string
// replacement) runs; the decoded player script is returned as text.
//
// Try it: bex js call src/js/unpack.js --name unpack --args '["eval(...)"]'
(function (packed) {
  var out = null;
  var capture = function (source) { out = source; };
  (new Function('eval', packed))(capture);
  if (typeof out !== 'string') {
    throw new TypeError('the packed script did not unpack to a string');
  }
  return out;
})
