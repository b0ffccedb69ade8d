// Files from a drop or a folder picker, each with the name it gets on the server: a dropped
// folder keeps its path ("photos/2026/a.jpg"), placed under the folder the user is in.
export async function filesFromDataTransfer(dataTransfer) {
  const out = [];
  const entries = [];
  for (const item of dataTransfer.items || []) {
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
  }
  if (entries.length === 0) {
    for (const file of dataTransfer.files || []) out.push({ file, path: file.name });
    return out;
  }
  for (const entry of entries) await walk(entry, '', out);
  return out;
}

async function walk(entry, parent, out) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    out.push({ file, path: parent + entry.name });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    // readEntries returns at most ~100 entries per call: read until it returns none.
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, `${parent}${entry.name}/`, out);
    }
  }
}

// From <input type="file"> (webkitdirectory gives webkitRelativePath).
export function filesFromInput(fileList) {
  return [...fileList].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}
