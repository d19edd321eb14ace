import { describe, expect, it } from 'vitest';
import { fileHeader, HEADER_BYTES, headerOf } from './header.ts';

describe('the mapping preview reads the header from the file\'s first piece (R16)', () => {
  it('comma or semicolon, quotes, doubled quotes, line breaks in quotes, BOM', () => {
    expect(headerOf('Email,First Name\r\na@b.c,Ann\r\n', false)).toEqual(['Email', 'First Name']);
    expect(headerOf('\uFEFFEmail;"Company, Inc";Notes\nx;y;z', false)).toEqual(['Email', 'Company, Inc', 'Notes']);
    expect(headerOf('"Say ""hi""","two\nlines"\nrow', false)).toEqual(['Say "hi"', 'two\nlines']);
  });

  it('a header without a line break counts only when the text is the whole file', () => {
    expect(headerOf('Email,Name', false)).toBeNull();
    expect(headerOf('Email,Name', true)).toEqual(['Email', 'Name']);
    expect(headerOf('', true)).toBeNull();
    expect(headerOf('"open quote,\nnever closed', true)).toBeNull();
  });

  it('reads no more than HEADER_BYTES of a large file', async () => {
    let asked = 0;
    class Watched extends Blob {
      override slice(start?: number, end?: number): Blob {
        asked = (end ?? this.size) - (start ?? 0);
        return super.slice(start, end);
      }
    }
    expect(await fileHeader(new Watched(['Email,Name\n', 'x'.repeat(HEADER_BYTES * 4)]))).toEqual(['Email', 'Name']);
    expect(asked).toBe(HEADER_BYTES);
  });
});
