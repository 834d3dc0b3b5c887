"""Pure text helpers shared by processors and tools: HTML to text, posting field normalization, tokens and
skill names, skill similarity, facts of a JSON Resume. No I/O, no adapters."""
