import { breakdownTool } from './breakdown';

export default breakdownTool('expense');
