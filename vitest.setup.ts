// Every test file runs on the backend seqcast would pick (SEQCAST_BACKEND honoured), quietly.
import { initBackend } from '@seqcast/core';
await initBackend({ log: false });
