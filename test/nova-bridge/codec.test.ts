import {
  UniqueIdCache,
  buildReply,
  buildRequest,
  checkVersion,
  decodeEnvelope,
  encodeEnvelope,
  parseReply,
  parseRequest,
} from '../../src/nova-bridge/codec.js';
import { CodecError, RpcFailure, noSuchMethod } from '../../src/nova-bridge/errors.js';
import { ComputeServer, toFailure } from '../../src/nova-bridge/compute-server.js';
import pino from 'pino';

describe('oslo envelope and messages', () => {
  it('round-trips a call with its context keys', () => {
    const inner = buildRequest({
      method: 'get_console_output',
      args: { tail_length: 5 },
      version: '6.0',
      context: { request_id: 'req-1', is_admin: true },
      msgId: 'm1',
      replyQ: 'reply_x',
      timeout: 30,
      uniqueId: 'u1',
    });
    const body = encodeEnvelope(inner);
    const outer = JSON.parse(body.toString()) as Record<string, unknown>;
    expect(outer['oslo.version']).toBe('2.0');
    expect(typeof outer['oslo.message']).toBe('string');
    expect(inner._context_request_id).toBe('req-1');
    const req = parseRequest(decodeEnvelope(body, 'application/json'));
    expect(req).toEqual({
      method: 'get_console_output',
      args: { tail_length: 5 },
      version: '6.0',
      namespace: null,
      context: { request_id: 'req-1', is_admin: true },
      uniqueId: 'u1',
      msgId: 'm1',
      replyQ: 'reply_x',
      timeout: 30,
    });
  });

  it('rejects other content types, bad JSON, other envelope versions and method-less requests', () => {
    expect(() => decodeEnvelope(Buffer.from('{}'), 'text/plain')).toThrow(CodecError);
    expect(() => decodeEnvelope(Buffer.from('nope'))).toThrow(CodecError);
    expect(() => decodeEnvelope(JSON.stringify({ 'oslo.version': '3.0', 'oslo.message': '{}' }))).toThrow(
      /version/,
    );
    expect(() => parseRequest({ args: {} })).toThrow(CodecError);
  });

  it('serializes failures as oslo does and reads them back', () => {
    const reply = buildReply({ msgId: 'm1', failure: noSuchMethod('frob'), ending: true });
    expect(reply.result).toBeNull();
    const f = JSON.parse(reply.failure as string) as Record<string, unknown>;
    expect(f).toMatchObject({
      class: 'NoSuchMethod',
      module: 'oslo_messaging.rpc.dispatcher',
      args: ['frob'],
    });
    const back = parseReply(reply);
    expect(back.failure?.className).toBe('NoSuchMethod');
    expect(back.ending).toBe(true);
  });

  it.each([
    ['6.0', '6.4', true],
    ['6.4', '6.4', true],
    ['6.5', '6.4', false],
    ['5.0', '6.4', false],
    ['7.0', '6.4', false],
    [undefined, '6.4', false],
  ])('version %s against served %s -> accepted %s', (req, served, ok) => {
    const r = checkVersion(req, served, 'm');
    expect(r === null).toBe(ok);
    if (!ok) expect(r?.className).toBe('UnsupportedVersion');
  });

  it('drops repeats among the last 16 unique ids only', () => {
    const c = new UniqueIdCache(16);
    expect(c.seen('a')).toBe(false);
    expect(c.seen('a')).toBe(true);
    for (let i = 0; i < 16; i++) c.seen(`x${i}`);
    expect(c.seen('a')).toBe(false); // evicted
    expect(c.seen(undefined)).toBe(false);
  });
});

describe('ComputeServer dispatch', () => {
  const replies: { q: string; inner: Record<string, unknown> }[] = [];
  const server = new ComputeServer({
    replier: { reply: async (q, inner) => void replies.push({ q, inner }) },
    methods: {
      echo: async (r) => r.args.x,
      slow: async () => new Promise((res) => setTimeout(() => res('done'), 120)),
      boom: async () => {
        throw new Error('kaput');
      },
    },
    servedVersion: '6.4',
    log: pino({ level: 'silent' }),
    heartbeatMs: () => 40,
  });
  beforeEach(() => (replies.length = 0));
  const call = (method: string, extra: object = {}) =>
    server.handle({
      method,
      args: { x: 7 },
      version: '6.0',
      context: {},
      msgId: 'm',
      replyQ: 'q',
      uniqueId: Math.random().toString(),
      ...extra,
    });

  it('answers a call with the result and ending', async () => {
    await call('echo');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.inner).toMatchObject({ result: 7, failure: null, ending: true, _msg_id: 'm' });
  });

  it('sends heartbeats while a call with _timeout runs', async () => {
    await call('slow', { timeout: 1 });
    const beats = replies.filter((r) => r.inner.ending === false);
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(beats[0]!.inner).toMatchObject({ result: null, failure: null });
    expect(replies.at(-1)!.inner).toMatchObject({ result: 'done', ending: true });
  });

  it('answers NoSuchMethod, UnsupportedVersion and NovaException', async () => {
    await call('nope');
    await call('echo', { version: '6.9' });
    await call('boom');
    const classes = replies.map((r) => (JSON.parse(r.inner.failure as string) as { class: string }).class);
    expect(classes).toEqual(['NoSuchMethod', 'UnsupportedVersion', 'NovaException']);
  });

  it('drops a duplicate _unique_id and never replies to casts', async () => {
    await call('echo', { uniqueId: 'dup' });
    await call('echo', { uniqueId: 'dup' });
    await server.handle({ method: 'echo', args: {}, version: '6.0', context: {}, uniqueId: 'cast-1' });
    expect(replies).toHaveLength(1);
  });

  it('keeps RpcFailure classes', () => {
    const f = new RpcFailure({ className: 'InstanceNotFound', message: 'x', kwargs: { code: 404 } });
    expect(toFailure(f)).toBe(f);
    expect(toFailure('str').className).toBe('NovaException');
  });
});
