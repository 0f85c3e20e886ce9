//! A bounds-checked cursor over a batch's bytes, shared by the decoder and the field labeller.

use super::header::DecodeError;
use crate::record::Span;

/// A cursor over bytes whose every read is bounds-checked.
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    pub(super) fn take(&mut self, n: u64, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let available = self.bytes.len() - self.pos;
        match usize::try_from(n) {
            Ok(n) if n <= available => {
                let out = &self.bytes[self.pos..self.pos + n];
                self.pos += n;
                Ok(out)
            }
            _ => Err(DecodeError::Truncated {
                field,
                at: self.pos,
                needed: usize::try_from(n).unwrap_or(usize::MAX),
                available,
            }),
        }
    }

    pub(super) fn fixed<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        let slice = self.take(N as u64, field)?;
        let mut out = [0; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    /// A varint; most in a batch (lengths under 128, small deltas) are one byte.
    #[inline(always)]
    pub(super) fn varint(&mut self) -> Result<u64, DecodeError> {
        match self.bytes.get(self.pos) {
            Some(&byte) if byte < 0x80 => {
                self.pos += 1;
                Ok(u64::from(byte))
            }
            _ => self.long_varint(),
        }
    }

    #[inline(never)]
    pub(super) fn long_varint(&mut self) -> Result<u64, DecodeError> {
        let at = self.pos;
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.fixed::<1>("varint")?[0];
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(DecodeError::MalformedVarint { at });
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::MalformedVarint { at })
    }

    /// A length-prefixed (`length + 1`, 0 for null) field.
    #[inline(always)]
    pub(super) fn nullable_slice(&mut self) -> Result<Option<&'a [u8]>, DecodeError> {
        match self.varint()? {
            0 => Ok(None),
            n => self.take(n - 1, "bytes").map(Some),
        }
    }

    /// A length-prefixed (`length + 1`, 0 for null) field's place: it ends where the reader is.
    #[inline(always)]
    pub(super) fn nullable_span(&mut self) -> Result<Option<Span>, DecodeError> {
        let field = self.nullable_slice()?;
        Ok(field.map(|f| Span {
            start: self.pos - f.len(),
            end: self.pos,
        }))
    }
}

pub(super) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}
