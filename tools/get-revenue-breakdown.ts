import { breakdownTool } from './breakdown';

export default breakdownTool('revenue');
