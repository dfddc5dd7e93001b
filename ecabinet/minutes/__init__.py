"""Minutes of a session: rendered from the record, signed by the secretary and the chair
(PAdES), with every ballot's evidence inside, and verifiable by anyone."""
