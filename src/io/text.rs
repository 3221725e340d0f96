//! Tokenising and number parsing shared by the text readers (data-spec/text.md).
