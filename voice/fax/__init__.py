"""Group 3 fax reception: T.30 over V.21 HDLC, V.29/V.27ter image modems, T.4 decoding."""
