export { provision, requiredServices, type CloudFormationTemplate, type ProvisionInput } from './provision';
export { creationWaves } from './graph';
export { physicalName, NAME_LIMITS } from './names';
export { SKIPPED_TYPES } from './skipped';
export { diffTemplates, updateStack, type OutputChange, type PropertyChange, type StackUpdate, type TemplateDiff } from './update';
