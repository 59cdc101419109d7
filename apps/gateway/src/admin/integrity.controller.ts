import { Controller, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FaceshardError, NAME_PATTERN } from '@faceshard/contracts';
import { RequiresRole } from '../access/requires-role.decorator';
import { IntegrityService } from './integrity.service';

@ApiTags('admin')
@Controller()
export class IntegrityController {
  constructor(private readonly integrity: IntegrityService) {}

  @Post('v1/admin/integrity')
  @HttpCode(200)
  @RequiresRole('admin')
  @ApiOperation({
    summary: "Check every shard's state against its own snapshot + log; with repair=true, fix what disagrees",
    description: 'Answers one report per shard (or the error the shard answered). Writes to a shard wait while it is checked; searches do not.',
  })
  @ApiQuery({ name: 'collection', required: false })
  @ApiQuery({ name: 'repair', required: false, enum: ['true', 'false'] })
  check(@Query('collection') collection?: string, @Query('repair') repair?: string) {
    if (collection !== undefined && !NAME_PATTERN.test(collection)) throw new FaceshardError('VALIDATION_FAILED', 'collection is not a valid name');
    if (repair !== undefined && repair !== 'true' && repair !== 'false') throw new FaceshardError('VALIDATION_FAILED', "repair must be 'true' or 'false'");
    return this.integrity.check({ collection, repair: repair === 'true' });
  }
}
