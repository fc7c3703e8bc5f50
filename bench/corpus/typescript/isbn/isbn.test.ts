import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidIsbn13, isbn10To13 } from './isbn';

test('converted numbers are valid', () => {
  for (const isbn10 of ['0-306-40615-2', '0-19-853453-1', '1-86197-876-9', '0-14-044913-8']) {
    assert.ok(isValidIsbn13(isbn10To13(isbn10)), isbn10);
  }
});

test('check digit zero', () => {
  assert.equal(isbn10To13('0-14-044494-7'), '9780140444940');
  assert.equal(isbn10To13('0-14-044506-4'), '9780140445060');
});

test('letters are rejected', () => {
  assert.equal(isValidIsbn13('978030640615X'), false);
});
