export default async function globalTeardown(): Promise<void> {
  await globalThis.__DPM_CONTROL_PLANE__?.stop();
}
