// The port settings moved to src/settings (read by the control plane and serving, which must not
// import src/stack); re-exported for the stack's own modules.
export * from '../settings/ports.ts';
