#!/usr/bin/env node
// The `breakwater` CLI: runs the built sources (npm run build -w @breakwater/collector).
import '../dist/cli/main.js';
