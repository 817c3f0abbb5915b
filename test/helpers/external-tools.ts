import { locateTool } from '../interop/helpers/tool.js';

/**
 * Debian's client tools, at their absolute paths (a pyenv python or aws may be first on PATH).
 * `skip` gives the reason off CI; on CI (CI=true) it is false, so a missing tool fails the test.
 */
export const PYTHON = '/usr/bin/python3';
export const AWS_CLI = '/usr/bin/aws';
export const boto3 = locateTool('boto3', PYTHON, { probe: ['-I', '-c', 'import boto3'], debianPackage: 'python3-boto3' });
export const awscli = locateTool('awscli', AWS_CLI, { probe: ['--version'], debianPackage: 'awscli' });
