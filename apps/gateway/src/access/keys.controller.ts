import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACCESS_SERVICE } from '../gateway.tokens';
import { ErrorBodyDto } from '../openapi/error-body.dto';
import { createKeyExample, example } from '../openapi/examples';
import type { AccessService } from './access.service';
import { ApiKeyListDto, CreatedApiKeyDto, CreateKeyDto } from './key.dto';
import { RequiresRole } from './requires-role.decorator';

@ApiTags('keys')
@Controller('v1/keys')
@RequiresRole('admin')
export class KeysController {
  constructor(@Inject(ACCESS_SERVICE) private readonly access: AccessService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key', description: 'Answers the secret key once; only its sha256 is stored.' })
  @ApiBody({ type: CreateKeyDto, examples: example(createKeyExample) })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@Body() dto: CreateKeyDto): Promise<CreatedApiKeyDto> {
    return this.access.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys', description: 'Never shows a secret or a hash.' })
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(): Promise<ApiKeyListDto> {
    return { keys: await this.access.list() };
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete an API key', description: 'Every gateway of the cluster stops accepting it.' })
  @ApiOkResponse({ schema: { example: { deleted: true } } })
  @ApiNotFoundResponse({ description: 'KEY_NOT_FOUND', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'LAST_ADMIN_KEY: the last admin key for all collections', type: ErrorBodyDto })
  async delete(@Param('id') id: string) {
    await this.access.delete(id);
    return { deleted: true };
  }
}
