import { describe, expect, it } from 'vitest';
import { checkReads } from '../contract.mjs';

// A small OpenAPI document in the shapes the gateway's uses: $ref, arrays, maps, allOf.
const spec = {
  paths: {
    '/api/v1/files': {
      get: {
        responses: {
          200: {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    files: { type: 'array', items: { $ref: '#/components/schemas/File' } },
                    nextCursor: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    '/api/v1/auth/profile': { get: { responses: { 200: { description: 'no body' } } } },
  },
  components: {
    schemas: {
      Named: { type: 'object', properties: { name: { type: 'string' } } },
      File: {
        allOf: [
          { $ref: '#/components/schemas/Named' },
          { type: 'object', properties: { id: { type: 'string' }, tags: { type: 'object', additionalProperties: { type: 'string' } }, meta: { type: 'object' } } },
        ],
      },
    },
  },
};

describe('checkReads', () => {
  it('accepts fields declared through $ref, items, allOf, maps and free-form objects', () => {
    expect(checkReads(spec, [
      'listFiles files', 'listFiles files[].id', 'listFiles files[].name', 'listFiles nextCursor',
      'listFiles files[].tags.colour', 'listFiles files[].meta.anything.deeper',
    ])).toEqual([]);
  });
  it('names each field the schema does not declare', () => {
    const failures = checkReads(spec, ['listFiles files[].size', 'listFiles total', 'listFiles files[].id']);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatch(/files\[\]\.size/);
    expect(failures[1]).toMatch(/"total"/);
  });
  it('refuses reads of answers the document does not describe', () => {
    expect(checkReads(spec, ['profile user.id'])[0]).toMatch(/no JSON answer/);
    expect(checkReads(spec, ['nosuch x'])[0]).toMatch(/no such endpoint/);
  });
});
