// The image tier (npm run test:image, via tools/test-image.sh): the built image run by testcontainers
// through podman's Docker-compatible socket. Not part of the main jest run (it needs the image).
import base from '../../jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/image/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
