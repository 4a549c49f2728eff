export default async function globalTeardown() {
  await globalThis.__DPM_CONTROL_PLANE__?.stop();
}
