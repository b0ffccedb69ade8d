// The golden render must not change between runs: the random values (the generated
// administrator password and S3 server key) are replaced by a fixed marker.
export function normaliseForGolden(text) {
  const adminPassword =
    /^(# Source: datamesh\/templates\/secret-admin\.yaml[\s\S]*?\ndata:\n\s+password: )"[^"]*"/m;
  const s3Key = /^(# Source: datamesh\/templates\/secret-s3\.yaml[\s\S]*?\ndata:\n\s+key: )"[^"]*"/m;
  return text.replace(adminPassword, '$1"<generated>"').replace(s3Key, '$1"<generated>"');
}

// The first line where two texts differ, or null when they are equal.
export function firstDifference(expected, actual) {
  if (expected === actual) return null;
  const a = expected.split('\n');
  const b = actual.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    if (a[i] !== b[i]) {
      return { line: i + 1, expected: a[i] ?? '<end of file>', actual: b[i] ?? '<end of file>' };
    }
  }
  return null;
}
