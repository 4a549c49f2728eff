import { encodeFrame, FrameDecoder } from '../../src/hmc/stomp-frame.js';
import { routeTemplate, withQuery } from '../../src/hmc/uri.js';

describe('STOMP 1.2 frames', () => {
  test('round trip with escaped headers, content-length and heart-beats between frames', () => {
    const a = encodeFrame('MESSAGE', { destination: '/topic/x', 'object-uri': 'a:b\nc' }, '{"k":"v\u0000w"}');
    const b = encodeFrame('MESSAGE', { destination: '/topic/y' }, '');
    const decoder = new FrameDecoder();
    const bytes = Buffer.concat([Buffer.from('\n\r\n'), a, Buffer.from('\n'), b]);
    // Fed in 3-byte pieces: frames complete only when their last byte arrived.
    const frames = [];
    for (let i = 0; i < bytes.length; i += 3) frames.push(...decoder.push(bytes.subarray(i, i + 3)));
    expect(frames).toHaveLength(2);
    expect(frames[0]?.headers).toMatchObject({ destination: '/topic/x', 'object-uri': 'a:b\nc' });
    expect(frames[0]?.body.toString()).toBe('{"k":"v\u0000w"}');
    expect(frames[1]?.headers.destination).toBe('/topic/y');
    expect(frames[1]?.body.length).toBe(0);
  });

  test('CONNECT headers are not escaped; a body without content-length ends at NUL', () => {
    expect(encodeFrame('CONNECT', { login: 'a:b' }).toString()).toContain('login:a:b\n');
    const [f] = new FrameDecoder().push(Buffer.from('ERROR\nmessage:bad\\cthing\n\nno auth\u0000'));
    expect(f).toMatchObject({ command: 'ERROR', headers: { message: 'bad:thing' } });
    expect(f?.body.toString()).toBe('no auth');
  });
});

describe('URIs', () => {
  test('route templates bound the metric labels', () => {
    expect(routeTemplate('/api/partitions/5f0a/nics/77?properties=name')).toBe(
      '/api/partitions/{id}/nics/{id}',
    );
    expect(routeTemplate('/api/partitions/5f0a/operations/start')).toBe(
      '/api/partitions/{id}/operations/start',
    );
    expect(routeTemplate('/api/sessions/this-session')).toBe('/api/sessions/this-session');
    expect(routeTemplate('/api/adapters/9/storage-ports/0')).toBe('/api/adapters/{id}/storage-ports/{id}');
  });

  test('repeated query parameters mean OR', () => {
    expect(withQuery('/api/cpcs/1/partitions', { status: ['active', 'paused'], name: 'a b' })).toBe(
      '/api/cpcs/1/partitions?status=active&status=paused&name=a%20b',
    );
  });
});
